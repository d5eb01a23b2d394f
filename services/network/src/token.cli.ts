import { loadReferenceData } from '@oriental/reference-data';
import { issueToken, loadConfig, parseCliArgs, principalFromClaims, Role, ROLES, runCli, UsageError } from '@oriental/service-kit';

const USAGE = `usage: npm run token -- --role <${ROLES.join('|')}> [--cell <cellId>] [--province <province>] [--partner <partnerId>] [--sub <name>] [--ttl <seconds>]

Prints a bearer token of the embedded issuer (its key under DATA_DIR), for curl or a frontend:
  curl -H "Authorization: Bearer $(npm run -s token -- --role cell_agent --cell nador)" ...
Cell roles need --cell, provincial_coordinator --province, partner --partner.
`;

/** `npm run token`: a token of the embedded default's issuer, checked as the services will check it. */
const main = async (argv: string[]): Promise<number> => {
  const { values } = parseCliArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      cell: { type: 'string' },
      province: { type: 'string' },
      partner: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const role = values.role as Role | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= 31 * 24 * 3600)) throw new UsageError('--ttl must be whole seconds, at most 31 days');
  const config = loadConfig();
  if (config.AUTH_MODE !== 'embedded') throw new UsageError('AUTH_MODE is oidc: tokens come from the OpenID Connect provider, not from here');
  // The same check the services make, so a token that would be refused is refused here, with why.
  const referenceData = loadReferenceData(config.REFERENCE_DATA_DIR);
  const cell = values.cell ? referenceData.cell(values.cell) : undefined;
  const claims = {
    sub: values.sub ?? 'check',
    realm_access: { roles: [role] },
    cell_id: values.cell,
    province: values.province ?? cell?.province,
    partner_id: values.partner,
  };
  const principal = principalFromClaims(claims, referenceData);
  if ('problem' in principal) throw new UsageError(principal.problem);
  const token = await issueToken(config, {
    role,
    ...(values.cell ? { cellId: values.cell } : {}),
    ...(claims.province ? { province: claims.province } : {}),
    ...(values.partner ? { partnerId: values.partner } : {}),
    ...(values.sub ? { subject: values.sub } : {}),
    ...(ttlSeconds ? { ttlSeconds } : {}),
  });
  process.stdout.write(`${token}\n`);
  return 0;
};

runCli('token', USAGE, main, { prefix: '', stack: false });
