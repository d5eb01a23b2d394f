import type { ReferenceData } from '@oriental/reference-data';

/** The network's roles, as named in tokens (`realm_access.roles`) and in every route's policy. */
export const ROLES = [
  'cell_agent',
  'cell_supervisor',
  'provincial_coordinator',
  'regional_coordinator',
  'partner',
  'trainer',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

/** Who calls, as the verified token says: the actor of what they do, and the scope of what they see. */
export interface Principal {
  /** The token's `sub`: the actor recorded in every event they cause, and the scope of their idempotency keys. */
  subject: string;
  role: Role;
  /** Cell roles: the cell they work in. */
  cellId?: string;
  /** Provincial coordinators: their province (cell roles: their cell's). */
  province?: string;
  /** Partners: the partner organisation they answer for. */
  partnerId?: string;
}

/** The claims a token carries, from the embedded issuer or an OpenID Connect provider (Keycloak mappers). */
export interface NetworkClaims {
  sub?: unknown;
  realm_access?: { roles?: unknown };
  cell_id?: unknown;
  province?: unknown;
  partner_id?: unknown;
}

/** Subjects become actors in event metadata: the envelope's rule for actors. */
const SUBJECT = /^[A-Za-z0-9:._@-]{1,200}$/;

const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * A principal from verified claims, or why the token cannot act here: a role the network does
 * not know, or a scoped role without its scope (a cell agent with no cell would see nothing, or
 * worse, everything, if a check forgot the case).
 */
export const principalFromClaims = (claims: NetworkClaims, referenceData: ReferenceData): Principal | { problem: string } => {
  const subject = text(claims.sub);
  if (!subject || !SUBJECT.test(subject)) return { problem: 'the token has no usable subject (sub: 1 to 200 of A-Z a-z 0-9 : . _ @ -)' };
  const roles = Array.isArray(claims.realm_access?.roles) ? claims.realm_access.roles : [];
  const role = roles.find(isRole);
  if (!role) return { problem: `the token holds none of the network's roles (${ROLES.join(', ')})` };
  const cellId = text(claims.cell_id);
  const partnerId = text(claims.partner_id);
  switch (role) {
    case 'cell_agent':
    case 'cell_supervisor': {
      const cell = cellId ? referenceData.cell(cellId) : undefined;
      if (!cell) return { problem: `a ${role} token must name a known cell (cell_id)` };
      return { subject, role, cellId: cell.id, province: cell.province };
    }
    case 'provincial_coordinator': {
      const province = text(claims.province);
      if (!province || !referenceData.isKnownProvince(province)) return { problem: 'a provincial_coordinator token must name a known province (province)' };
      return { subject, role, province };
    }
    case 'partner':
      if (!partnerId || !referenceData.partners.some((partner) => partner.id === partnerId)) return { problem: 'a partner token must name a known partner (partner_id)' };
      return { subject, role, partnerId };
    default:
      return { subject, role };
  }
};

/**
 * Whether the principal sees the cases of a cell: their own cell, their province's cells, or
 * every cell for the region and its auditors. Partners and trainers see no case by cell.
 */
export const seesCell = (principal: Principal, cellId: string | undefined, referenceData: ReferenceData): boolean => {
  switch (principal.role) {
    case 'regional_coordinator':
    case 'auditor':
      return true;
    case 'provincial_coordinator':
      return cellId !== undefined && referenceData.cell(cellId)?.province === principal.province;
    case 'cell_agent':
    case 'cell_supervisor':
      return cellId !== undefined && cellId === principal.cellId;
    default:
      return false;
  }
};
