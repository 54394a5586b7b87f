;; The bootstrap's hot loop (`accumulateLanes` in bootstrap.ts), in WebAssembly with 128-bit SIMD.
;; Assembled into lanes-wasm.ts by `pnpm --filter @carryover/domain wasm`; a test checks the two
;; agree. Eight replicates at a time: for each row k (ascending) whose eight weights are not all
;; +0, for each of its (cell, value), out[cell * 8 + r] += weights[k * 8 + r] * value — a multiply
;; then an add, as in JavaScript, so every sum gets the same IEEE operations in the same order.
;; Arguments are byte offsets into the module's memory: ptr (i32, rows + 1), cells (i32), values
;; (f64), weights (f64, 8 per row), out (f64, 8 per cell, zeroed here).
(module
  (memory (export "memory") 1)
  (func (export "accumulate")
    (param $rows i32) (param $ptr i32) (param $cells i32) (param $values i32)
    (param $weights i32) (param $out i32) (param $nCells i32)
    (local $k i32) (local $i i32) (local $end i32) (local $wk i32) (local $o i32)
    (local $w01 v128) (local $w23 v128) (local $w45 v128) (local $w67 v128) (local $v v128)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $nCells) (i32.const 6)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $k) (local.get $rows)))
        (local.set $wk (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 6))))
        (local.set $w01 (v128.load offset=0 (local.get $wk)))
        (local.set $w23 (v128.load offset=16 (local.get $wk)))
        (local.set $w45 (v128.load offset=32 (local.get $wk)))
        (local.set $w67 (v128.load offset=48 (local.get $wk)))
        ;; Weights are counts (+0 or positive): all bits clear means all eight are +0.
        (if (v128.any_true (v128.or (v128.or (local.get $w01) (local.get $w23))
                                    (v128.or (local.get $w45) (local.get $w67))))
          (then
            (local.set $i (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $end
              (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $k) (i32.const 2)))))
            (block $cellsDone
              (loop $cell
                (br_if $cellsDone (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $o (i32.add (local.get $out)
                  (i32.shl (i32.load (i32.add (local.get $cells) (i32.shl (local.get $i) (i32.const 2))))
                           (i32.const 6))))
                (local.set $v (f64x2.splat
                  (f64.load (i32.add (local.get $values) (i32.shl (local.get $i) (i32.const 3))))))
                (v128.store offset=0 (local.get $o)
                  (f64x2.add (v128.load offset=0 (local.get $o)) (f64x2.mul (local.get $w01) (local.get $v))))
                (v128.store offset=16 (local.get $o)
                  (f64x2.add (v128.load offset=16 (local.get $o)) (f64x2.mul (local.get $w23) (local.get $v))))
                (v128.store offset=32 (local.get $o)
                  (f64x2.add (v128.load offset=32 (local.get $o)) (f64x2.mul (local.get $w45) (local.get $v))))
                (v128.store offset=48 (local.get $o)
                  (f64x2.add (v128.load offset=48 (local.get $o)) (f64x2.mul (local.get $w67) (local.get $v))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $cell)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $row)))))
