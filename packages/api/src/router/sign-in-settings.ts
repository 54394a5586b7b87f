import { randomUUID } from 'node:crypto';
import {
  deleteIdentityProvider,
  findDistrictSettings,
  findIdentityProvider,
  insertIdentityProvider,
  listIdentityProviders,
  listStaff,
  setDistrictSettings,
  updateIdentityProvider,
} from '@carryover/db';
import {
  CreateIdentityProviderInput,
  DistrictSettings,
  IdentityProviderIdInput,
  PasswordSignInPolicyInput,
  UpdateIdentityProviderInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import { describeProvider, encryptSecret } from '../auth/sso';
import { fieldError, roles } from '../trpc';

// The admin's Sign-in settings: the district's identity providers (single sign-on) and who may
// still sign in with a password. A client secret goes in once and never comes back out.

const adminProcedure = roles('admin');
const PROVIDER_NOT_FOUND = 'No such sign-in provider in your district';

function settingsOf(json: string | null) {
  return DistrictSettings.parse(JSON.parse(json ?? '{}'));
}

export const signInSettingsRouter = {
  get: adminProcedure.query(async ({ ctx }) => {
    const d = ctx.viewer.districtId;
    const [providers, settingsJson, staff] = await Promise.all([
      listIdentityProviders(ctx.db, d),
      findDistrictSettings(ctx.db, d),
      listStaff(ctx.db, d),
    ]);
    const settings = settingsOf(settingsJson);
    return {
      providers: providers.map((p) => ({
        id: p.id,
        displayName: p.display_name,
        issuer: p.issuer,
        clientId: p.client_id,
        hasSecret: p.client_secret_encrypted !== '',
        allowedDomains: JSON.parse(p.allowed_domains) as string[],
        enabled: p.enabled === 1,
        updatedAt: p.updated_at,
      })),
      passwordSignIn: settings.passwordSignIn,
      breakGlassUserIds: settings.breakGlassUserIds,
      admins: staff
        .filter((s) => s.role === 'admin' && s.active)
        .map((s) => ({ id: s.id, name: s.name, email: s.email })),
    };
  }),

  createProvider: adminProcedure
    .input(CreateIdentityProviderInput)
    .mutation(async ({ ctx, input }) => {
      const id = randomUUID();
      await insertIdentityProvider(ctx.db, {
        districtId: ctx.viewer.districtId,
        id,
        now: ctx.now().toISOString(),
        displayName: input.displayName,
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretEncrypted: encryptSecret(input.clientSecret),
        allowedDomains: input.allowedDomains,
        enabled: input.enabled,
      });
      await recordEvent(
        ctx,
        { action: 'signInSettings.createProvider', entity: 'identity_provider', entityId: id },
        'ok',
      );
      return { id };
    }),

  updateProvider: adminProcedure
    .input(UpdateIdentityProviderInput)
    .mutation(async ({ ctx, input }) => {
      const stored = await findIdentityProvider(ctx.db, ctx.viewer.districtId, input.id);
      if (!stored) throw new TRPCError({ code: 'NOT_FOUND', message: PROVIDER_NOT_FOUND });
      if (
        input.enabled &&
        input.clientSecret === undefined &&
        stored.client_secret_encrypted === ''
      )
        throw fieldError('clientSecret', 'Enter the client secret before turning this provider on');
      const updated = await updateIdentityProvider(ctx.db, {
        districtId: ctx.viewer.districtId,
        id: input.id,
        now: ctx.now().toISOString(),
        displayName: input.displayName,
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretEncrypted:
          input.clientSecret === undefined ? undefined : encryptSecret(input.clientSecret),
        allowedDomains: input.allowedDomains,
        enabled: input.enabled,
      });
      if (!updated) throw new TRPCError({ code: 'NOT_FOUND', message: PROVIDER_NOT_FOUND });
      await recordEvent(
        ctx,
        {
          action: 'signInSettings.updateProvider',
          entity: 'identity_provider',
          entityId: input.id,
        },
        'ok',
      );
      return { ok: true as const };
    }),

  removeProvider: adminProcedure.input(IdentityProviderIdInput).mutation(async ({ ctx, input }) => {
    if (!(await deleteIdentityProvider(ctx.db, ctx.viewer.districtId, input.id)))
      throw new TRPCError({ code: 'NOT_FOUND', message: PROVIDER_NOT_FOUND });
    await recordEvent(
      ctx,
      { action: 'signInSettings.removeProvider', entity: 'identity_provider', entityId: input.id },
      'ok',
    );
    return { ok: true as const };
  }),

  /** "Test": reads the provider's discovery document and reports what it found. */
  testProvider: adminProcedure
    .meta({ cost: 'heavyRead' })
    .input(IdentityProviderIdInput)
    .mutation(async ({ ctx, input }) => {
      const provider = await findIdentityProvider(ctx.db, ctx.viewer.districtId, input.id);
      if (!provider) throw new TRPCError({ code: 'NOT_FOUND', message: PROVIDER_NOT_FOUND });
      return describeProvider(provider, ctx.now());
    }),

  setPasswordPolicy: adminProcedure
    .input(PasswordSignInPolicyInput)
    .mutation(async ({ ctx, input }) => {
      const d = ctx.viewer.districtId;
      const staff = await listStaff(ctx.db, d);
      const admins = new Set(staff.filter((s) => s.role === 'admin' && s.active).map((s) => s.id));
      if (input.breakGlassUserIds.some((id) => !admins.has(id)))
        throw fieldError(
          'breakGlassUserIds',
          'Break-glass accounts must be active admins of your district',
        );
      if (input.passwordSignIn === 'break_glass_only') {
        const providers = await listIdentityProviders(ctx.db, d);
        if (!providers.some((p) => p.enabled === 1))
          throw fieldError(
            'passwordSignIn',
            'Turn on a single sign-on provider before turning passwords off',
          );
      }
      const settings = settingsOf(await findDistrictSettings(ctx.db, d));
      await setDistrictSettings(
        ctx.db,
        d,
        JSON.stringify({
          ...settings,
          passwordSignIn: input.passwordSignIn,
          breakGlassUserIds: input.passwordSignIn === 'everyone' ? [] : input.breakGlassUserIds,
        }),
      );
      await recordEvent(
        ctx,
        { action: 'signInSettings.setPasswordPolicy', entity: 'district', entityId: d },
        'ok',
      );
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
