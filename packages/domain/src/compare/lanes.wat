;; The bootstrap's hot loop (`accumulateLanes` in bootstrap.ts), in WebAssembly with 128-bit SIMD.
;; Assembled into lanes-wasm.ts by `pnpm --filter @carryover/domain wasm`; a test checks the two
;; agree. Eight replicates at a time: for each row k (ascending) whose eight weights are not all
;; +0, for each of its (cell, value), out[cell * 8 + r] += weights[k * 8 + r] * value — a multiply
;; then an add, as in JavaScript, so every sum gets the same IEEE operations in the same order.
;; Arguments are byte offsets into the module's memory: ptr (i32, rows + 1), cells (i32), values
;; (f64), weights (f64, 8 per row), out (f64, 8 per cell, zeroed here).
;; `counts` and `products` draw those weights as clusterBootstrap does in JavaScript: the same
;; sfc32 steps and floating-point index as SeededStream.counts, and products of small integers
;; (exact), so the replicates are the ones JavaScript draws.
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
        (br $row))))

  ;; SeededStream.counts: `size` draws with replacement; into[k * 8 + lane] (i32) becomes how
  ;; often item k was drawn. The stream's state (a, b, c, d: i32) is read from and written back
  ;; to `state`.
  (func (export "counts")
    (param $state i32) (param $into i32) (param $size i32) (param $lane i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $t i32) (local $i i32)
    (local $at i32) (local $scale f64)
    (local.set $at (i32.add (local.get $into) (i32.shl (local.get $lane) (i32.const 2))))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $i) (local.get $size)))
        (i32.store (local.get $at) (i32.const 0))
        (local.set $at (i32.add (local.get $at) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zero)))
    (local.set $a (i32.load offset=0 (local.get $state)))
    (local.set $b (i32.load offset=4 (local.get $state)))
    (local.set $c (i32.load offset=8 (local.get $state)))
    (local.set $d (i32.load offset=12 (local.get $state)))
    (local.set $scale (f64.convert_i32_s (local.get $size)))
    (local.set $i (i32.const 0))
    (block $drawn
      (loop $draw
        (br_if $drawn (i32.ge_u (local.get $i) (local.get $size)))
        (local.set $t (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (local.set $a (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
        (local.set $b (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $c (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $t)))
        ;; Math.floor(((t >>> 0) / 4294967296) * size) * 8 + lane, as JavaScript computes it.
        (local.set $at (i32.add (local.get $into)
          (i32.shl
            (i32.add
              (i32.shl
                (i32.trunc_f64_s (f64.floor (f64.mul
                  (f64.div (f64.convert_i32_u (local.get $t)) (f64.const 4294967296))
                  (local.get $scale))))
                (i32.const 3))
              (local.get $lane))
            (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $draw)))
    (i32.store offset=0 (local.get $state) (local.get $a))
    (i32.store offset=4 (local.get $state) (local.get $b))
    (i32.store offset=8 (local.get $state) (local.get $c))
    (i32.store offset=12 (local.get $state) (local.get $d)))

  ;; levelProducts for one factor: for each of `rows` rows, its eight lanes' weights (f64) become
  ;; the eight counts (i32) of the row's level (`of`, i32 per row) when `first`, else are
  ;; multiplied by them.
  (func (export "products")
    (param $weights i32) (param $rows i32) (param $of i32) (param $counts i32) (param $first i32)
    (local $k i32) (local $at i32) (local $from i32) (local $lo v128) (local $hi v128)
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $k) (local.get $rows)))
        (local.set $at (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 6))))
        (local.set $from (i32.add (local.get $counts)
          (i32.shl (i32.load (i32.add (local.get $of) (i32.shl (local.get $k) (i32.const 2))))
                   (i32.const 5))))
        (local.set $lo (v128.load offset=0 (local.get $from)))
        (local.set $hi (v128.load offset=16 (local.get $from)))
        (if (local.get $first)
          (then
            (v128.store offset=0 (local.get $at) (f64x2.convert_low_i32x4_s (local.get $lo)))
            (v128.store offset=16 (local.get $at) (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))
            (v128.store offset=32 (local.get $at) (f64x2.convert_low_i32x4_s (local.get $hi)))
            (v128.store offset=48 (local.get $at) (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi)))))
          (else
            (v128.store offset=0 (local.get $at) (f64x2.mul (v128.load offset=0 (local.get $at))
              (f64x2.convert_low_i32x4_s (local.get $lo))))
            (v128.store offset=16 (local.get $at) (f64x2.mul (v128.load offset=16 (local.get $at))
              (f64x2.convert_low_i32x4_s
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo)))))
            (v128.store offset=32 (local.get $at) (f64x2.mul (v128.load offset=32 (local.get $at))
              (f64x2.convert_low_i32x4_s (local.get $hi))))
            (v128.store offset=48 (local.get $at) (f64x2.mul (v128.load offset=48 (local.get $at))
              (f64x2.convert_low_i32x4_s
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $row)))))
