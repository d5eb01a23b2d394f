import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { ProblemDetailsFilter, STORE_RETRY_AFTER_SECONDS } from './problem-details.filter';

/** What a driver throws while its server restarts: recognised by its class name, as the MongoDB driver names them. */
class MongoServerSelectionError extends Error {
  override name = 'MongoServerSelectionError';
}

@Controller()
class FailingController {
  @Get('store-away')
  storeAway(): never {
    throw new MongoServerSelectionError('Server selection timed out after 30000 ms');
  }
  @Get('disk-full')
  diskFull(): never {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  }
  @Get('bug')
  bug(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'cellId')");
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

describe('problem details for failures that are not the request’s fault', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await NestFactory.create(FailingModule, { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.init();
  });
  afterAll(() => app.close());

  it.each(['/store-away', '/disk-full'])('answers 503 STORE_UNAVAILABLE with Retry-After when a store is away (%s)', async (path) => {
    const response = await request(app.getHttpServer()).get(path).expect(503);
    expect(response.headers['retry-after']).toBe(String(STORE_RETRY_AFTER_SECONDS));
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', detail: expect.stringContaining('Idempotency-Key') });
  });

  it('answers 500 INTERNAL_ERROR for a bug, without its words', async () => {
    const response = await request(app.getHttpServer()).get('/bug').expect(500);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(response.body)).not.toContain('cellId');
  });
});
