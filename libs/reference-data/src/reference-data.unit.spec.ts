import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultReferenceDataDir, loadReferenceData } from './reference-data';

describe('reference data', () => {
  const data = loadReferenceData();

  it('has the prefecture and the seven provinces of the Oriental region', () => {
    const units = data.territory.prefecturesAndProvinces;
    expect(units.filter((u) => u.kind === 'prefecture').map((u) => u.id)).toEqual(['oujda-angad']);
    expect(units.filter((u) => u.kind === 'province').map((u) => u.id).sort()).toEqual(
      ['berkane', 'driouch', 'figuig', 'guercif', 'jerada', 'nador', 'taourirt'],
    );
  });

  it('has the six communal cells with commune and province as separate attributes', () => {
    const communal = data.cells.filter((c) => c.level === 'communal').map((c) => c.id).sort();
    expect(communal).toEqual(['berkane', 'driouch', 'figuig', 'guercif', 'nador', 'oujda']);
    expect(data.cell('figuig')).toMatchObject({ commune: 'figuig', province: 'figuig' });
    expect(data.territory.prefecturesAndProvinces.find((p) => p.id === 'figuig')?.seat).toBe('bouarfa');
    expect(data.cell('oujda')).toMatchObject({ commune: 'oujda', province: 'oujda-angad' });
  });

  it('has a provincial cell for the prefecture and every province', () => {
    expect(data.cells.filter((c) => c.level === 'provincial')).toHaveLength(8);
  });

  it('rejects a cell whose commune is in another province, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refdata-'));
    writeFileSync(join(dir, 'territory.json'), readFileSync(join(defaultReferenceDataDir, 'territory.json')));
    const cells = JSON.parse(readFileSync(join(defaultReferenceDataDir, 'cells.json'), 'utf8'));
    cells.cells.push({ id: 'bad', level: 'communal', name: { fr: 'x', ar: 'x' }, commune: 'figuig', province: 'nador' });
    writeFileSync(join(dir, 'cells.json'), JSON.stringify(cells));
    expect(() => loadReferenceData(dir)).toThrow(/cell bad: commune figuig is in figuig, not nador/);
  });

  it('holds the catalogue of needs a cell assesses', () => {
    expect(data.needs.map((need) => need.code)).toEqual([
      'civil_documents',
      'legal_aid',
      'health',
      'psychosocial_support',
      'schooling',
      'vocational_training_employment',
      'entrepreneurship_investment',
      'social_protection',
      'housing',
      'language_courses',
      'family_matters',
      'reintegration',
      'other',
    ]);
    expect(data.isKnownNeed('legal_aid')).toBe(true);
    expect(data.isKnownNeed('astrology')).toBe(false);
  });

  it('lists partners of every kind the referrals need: consulate, civil registry, hospital, school, ANAPEC, investment centre, legal aid', () => {
    expect(new Set(data.partners.map((partner) => partner.kind))).toEqual(
      new Set(['consulate', 'public_administration', 'health_facility', 'school', 'employment_agency', 'investment_centre', 'legal_aid', 'ngo']),
    );
  });

  it('rejects a partner covering an unknown need or province, naming it; a copy without needs.json or partners.json takes the bundled ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refdata-'));
    for (const file of ['territory.json', 'cells.json']) writeFileSync(join(dir, file), readFileSync(join(defaultReferenceDataDir, file)));
    expect(loadReferenceData(dir).partners.length).toBe(data.partners.length);
    writeFileSync(
      join(dir, 'partners.json'),
      JSON.stringify({ partners: [{ id: 'p', name: 'P', kind: 'ngo', provinces: ['atlantis'], needs: ['astrology'], responseDelayDays: 3 }] }),
    );
    expect(() => loadReferenceData(dir)).toThrow(/partner p: unknown province atlantis; partner p: unknown need astrology/);
  });
});
