import {
  classroomSchool,
  exitService,
  findActiveStaff,
  findService,
  insertService,
  insertStudent,
  listProviders,
  listSchoolsAndClassrooms,
  listStudentsPage,
  loadStudentForEdit,
  MoveRefused,
  servicesNeedingProvider,
  staffSchoolIds,
  transferStudent,
  updateServiceAtVersion,
  updateStudentAtVersion,
} from '@carryover/db';
import {
  ExitServiceInput,
  moveDateProblem,
  ServiceCreateInput,
  ServiceUpdateInput,
  StudentCreateInput,
  StudentGetInput,
  StudentListInput,
  StudentUpdateInput,
  TransferStudentInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordEvent, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { assertStudentInScope, STUDENT_NOT_FOUND } from '../scope';
import { type Context, fieldError, roles, todayFor, type Viewer } from '../trpc';

// The Students page (issue 14): admins (their district) and coordinators (their schools) list,
// add and edit students and their services, move a student to another school or homeroom, exit
// them from a service, and give unassigned services a provider ("Needs a provider"). Role first
// (FORBIDDEN, audited), then scope (a student out of scope is NOT_FOUND, audited); every read
// or write of a student's record is one audit event naming the student(s).

const studentAdmin = roles('admin', 'coordinator');

type Ctx = Pick<Context, 'db' | 'log' | 'now'> & { viewer: Viewer };

export const SERVICE_NOT_FOUND = 'Service not found';

/** A coordinator adds students only to their own schools; an admin to any of the district's. */
async function assertMaySchool(ctx: Ctx, schoolId: string, field: string, action: string) {
  const places = await listSchoolsAndClassrooms(ctx.db, ctx.viewer.districtId);
  const ok =
    places.schools.some((s) => s.id === schoolId) &&
    (ctx.viewer.role === 'admin' ||
      (await staffSchoolIds(ctx.db, ctx.viewer.districtId, ctx.viewer.id)).includes(schoolId));
  if (!ok) {
    await recordDenied(ctx, { action, entity: 'school', entityId: schoolId });
    fieldError(
      field,
      ctx.viewer.role === 'admin'
        ? 'Choose a school of your district'
        : 'Choose one of your schools',
    );
  }
}

/** A provider is an active therapist of the service's discipline (or nobody yet). */
async function assertProvider(ctx: Ctx, providerId: string | null, discipline: string) {
  if (providerId === null) return;
  const p = await findActiveStaff(ctx.db, ctx.viewer.districtId, providerId);
  if (p?.role !== 'therapist' || p.discipline !== discipline)
    fieldError('providerId', `Choose an active ${discipline} therapist, or leave it for later`);
}

/** The service, after checking its student is in scope (NOT_FOUND alike otherwise). */
async function serviceInScope(ctx: Ctx, serviceId: string, action: string) {
  const s = await findService(ctx.db, ctx.viewer.districtId, serviceId);
  if (!s) {
    await recordDenied(ctx, { action, entity: 'service', entityId: serviceId });
    throw new TRPCError({ code: 'NOT_FOUND', message: SERVICE_NOT_FOUND });
  }
  try {
    await assertStudentInScope(ctx, s.student_id, action);
  } catch (err) {
    // Audited by the scope check; answered like a missing service, so an id reveals nothing.
    if (err instanceof TRPCError && err.code === 'NOT_FOUND')
      throw new TRPCError({ code: 'NOT_FOUND', message: SERVICE_NOT_FOUND });
    throw err;
  }
  return s;
}

function refused(err: unknown): never {
  if (err instanceof MoveRefused) fieldError(err.field, err.message);
  throw err;
}

const studentTarget = (action: string, studentId: string) => ({
  action,
  entity: 'student',
  entityId: studentId,
  studentId,
});

export const studentsRouter = {
  /** Schools (a coordinator's own marked), homerooms and providers, for the forms. */
  options: studentAdmin.query(async ({ ctx }) => {
    const d = ctx.viewer.districtId;
    const [places, providers, mine] = await Promise.all([
      listSchoolsAndClassrooms(ctx.db, d),
      listProviders(ctx.db, d),
      staffSchoolIds(ctx.db, d, ctx.viewer.id),
    ]);
    return {
      schools: places.schools.map((s) => ({
        ...s,
        mine: ctx.viewer.role === 'admin' || mine.includes(s.id),
      })),
      classrooms: places.classrooms,
      providers: providers.map((p) => ({ id: p.id, name: p.name, discipline: p.discipline })),
    };
  }),

  /** A page of the students in scope, by name; one audit event lists them. */
  list: studentAdmin.input(StudentListInput).query(async ({ ctx, input, path }) => {
    const page = await listStudentsPage(ctx.db, ctx.viewer, todayFor(ctx), input);
    await recordStudentReads(
      ctx,
      path,
      page.students.map((s) => s.id),
    );
    return page;
  }),

  /** One student as the edit form loads them: fields, version, services, transfers. */
  get: studentAdmin.input(StudentGetInput).query(async ({ ctx, input, path }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    const student = await loadStudentForEdit(ctx.db, ctx.viewer.districtId, input.studentId);
    if (!student) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    await recordEvent(ctx, studentTarget(path, input.studentId), 'ok');
    return student;
  }),

  create: studentAdmin.input(StudentCreateInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    await assertMaySchool(ctx, input.schoolId, 'schoolId', path);
    if (
      input.homeroomId !== null &&
      (await classroomSchool(ctx.db, d, input.homeroomId)) !== input.schoolId
    )
      fieldError('homeroomId', 'Choose a homeroom of this school');
    const id = await ctx.db.transaction().execute(async (trx) => {
      const studentId = await insertStudent(trx, {
        districtId: d,
        ...input,
        createdAt: ctx.now().toISOString(),
      });
      await recordEvent({ ...ctx, db: trx }, studentTarget(path, studentId), 'ok');
      return studentId;
    });
    return { id };
  }),

  update: studentAdmin.input(StudentUpdateInput).mutation(async ({ ctx, input, path }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    const target = studentTarget(path, input.studentId);
    return writeAtVersion(ctx, target, async (trx) => {
      const saved = await updateStudentAtVersion(
        trx,
        {
          districtId: ctx.viewer.districtId,
          studentId: input.studentId,
          expectedVersion: input.expectedVersion,
          editor: editorOf(ctx),
        },
        input,
      );
      await recordEvent({ ...ctx, db: trx }, target, 'ok');
      return { version: saved.version };
    });
  }),

  addService: studentAdmin.input(ServiceCreateInput).mutation(async ({ ctx, input, path }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    await assertProvider(ctx, input.providerId, input.discipline);
    const id = await ctx.db.transaction().execute(async (trx) => {
      const serviceId = await insertService(
        trx,
        { districtId: ctx.viewer.districtId, studentId: input.studentId },
        input,
      );
      await recordEvent(
        { ...ctx, db: trx },
        { action: path, entity: 'service', entityId: serviceId, studentId: input.studentId },
        'ok',
      );
      return serviceId;
    });
    return { id };
  }),

  /** Edits a service (or gives it a provider) at the version the form loaded. */
  updateService: studentAdmin.input(ServiceUpdateInput).mutation(async ({ ctx, input, path }) => {
    const s = await serviceInScope(ctx, input.serviceId, path);
    await assertProvider(ctx, input.providerId, input.discipline);
    const target = { action: path, entity: 'service', entityId: s.id, studentId: s.student_id };
    return writeAtVersion(ctx, target, async (trx) => {
      const saved = await updateServiceAtVersion(
        trx,
        {
          districtId: ctx.viewer.districtId,
          serviceId: s.id,
          expectedVersion: input.expectedVersion,
          editor: editorOf(ctx),
        },
        input,
      );
      await recordEvent({ ...ctx, db: trx }, target, 'ok');
      return { version: saved.version };
    });
  }),

  /**
   * Moves the student to another school and/or homeroom from `effectiveOn` (transferStudent in
   * @carryover/db). A coordinator moves students of their schools, to any school of the district.
   */
  transfer: studentAdmin.input(TransferStudentInput).mutation(async ({ ctx, input, path }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    const problem = moveDateProblem(input.effectiveOn, todayFor(ctx));
    if (problem) fieldError('effectiveOn', problem);
    try {
      return await transferStudent(
        ctx.db,
        {
          districtId: ctx.viewer.districtId,
          actorId: ctx.viewer.id,
          action: path,
          at: ctx.now().toISOString(),
        },
        input,
      );
    } catch (err) {
      refused(err);
    }
  }),

  /** Exits the student from a service: its last day is the day before `exitOn`. */
  exitService: studentAdmin.input(ExitServiceInput).mutation(async ({ ctx, input, path }) => {
    await serviceInScope(ctx, input.serviceId, path);
    const problem = moveDateProblem(input.exitOn, todayFor(ctx));
    if (problem) fieldError('exitOn', problem);
    try {
      return await exitService(
        ctx.db,
        {
          districtId: ctx.viewer.districtId,
          actorId: ctx.viewer.id,
          action: path,
          at: ctx.now().toISOString(),
        },
        input,
      );
    } catch (err) {
      refused(err);
    }
  }),

  /** Current and upcoming services without a provider, of the students in scope. */
  needsProvider: studentAdmin.query(async ({ ctx, path }) => {
    const rows = await servicesNeedingProvider(ctx.db, ctx.viewer, todayFor(ctx));
    await recordStudentReads(
      ctx,
      path,
      rows.map((r) => r.studentId),
    );
    return rows;
  }),
} satisfies TRPCRouterRecord;
