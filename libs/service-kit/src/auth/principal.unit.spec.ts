import { loadReferenceData } from '@oriental/reference-data';
import { principalFromClaims, seesCell } from './principal';

const referenceData = loadReferenceData();

describe('principalFromClaims', () => {
  it('given a cell agent token naming a known cell, when read, then the principal carries the cell and its province', () => {
    expect(principalFromClaims({ sub: 'amina', realm_access: { roles: ['offline_access', 'cell_agent'] }, cell_id: 'oujda' }, referenceData)).toEqual({
      subject: 'amina',
      role: 'cell_agent',
      cellId: 'oujda',
      province: 'oujda-angad',
    });
  });

  it.each([
    [{ sub: 'a', realm_access: { roles: ['cell_agent'] } }, /must name a known cell/],
    [{ sub: 'a', realm_access: { roles: ['cell_supervisor'] }, cell_id: 'atlantis' }, /must name a known cell/],
    [{ sub: 'a', realm_access: { roles: ['provincial_coordinator'] } }, /known province/],
    [{ sub: 'a', realm_access: { roles: ['partner'] }, partner_id: 'nobody' }, /known partner/],
    [{ sub: 'a', realm_access: { roles: ['admin'] } }, /none of the network's roles/],
    [{ sub: 'a' }, /none of the network's roles/],
    [{ realm_access: { roles: ['auditor'] } }, /no usable subject/],
    [{ sub: 'with space', realm_access: { roles: ['auditor'] } }, /no usable subject/],
  ])('given claims %j, when read, then the token is refused with why', (claims, problem) => {
    const principal = principalFromClaims(claims, referenceData);
    expect('problem' in principal && principal.problem).toMatch(problem);
  });
});

describe('seesCell', () => {
  const agent = { subject: 'a', role: 'cell_agent' as const, cellId: 'nador', province: 'nador' };
  const coordinator = { subject: 'c', role: 'provincial_coordinator' as const, province: 'oujda-angad' };

  it('given a cell agent, then they see their own cell only', () => {
    expect([seesCell(agent, 'nador', referenceData), seesCell(agent, 'oujda', referenceData), seesCell(agent, undefined, referenceData)]).toEqual([true, false, false]);
  });

  it("given a provincial coordinator, then they see their province's cells only", () => {
    expect([seesCell(coordinator, 'oujda', referenceData), seesCell(coordinator, 'prefecture-oujda-angad', referenceData), seesCell(coordinator, 'nador', referenceData)]).toEqual([true, true, false]);
  });

  it('given the region or an auditor, then they see every cell; partners and trainers none', () => {
    expect(seesCell({ subject: 'r', role: 'regional_coordinator' }, 'figuig', referenceData)).toBe(true);
    expect(seesCell({ subject: 'x', role: 'auditor' }, 'figuig', referenceData)).toBe(true);
    expect(seesCell({ subject: 'p', role: 'partner', partnerId: 'consulate-oujda' }, 'oujda', referenceData)).toBe(false);
    expect(seesCell({ subject: 't', role: 'trainer' }, 'oujda', referenceData)).toBe(false);
  });
});
