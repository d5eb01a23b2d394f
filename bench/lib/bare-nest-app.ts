import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/**
 * The floor a NestJS POST endpoint costs on this machine: Express, Nest's routing and JSON
 * body parsing, a 201 with a small JSON answer, and nothing else (no validation, no store).
 * Benches divide a real endpoint's throughput by this one's, measured in the same run, so that
 * the figure does not depend on how fast or busy the machine is.
 */
@Controller()
class BareController {
  @Post('beneficiaries')
  @HttpCode(201)
  register(@Body() body: { cellId?: unknown }): { received: boolean; cellId: unknown } {
    return { received: true, cellId: body.cellId };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

export interface BareNestApp {
  /** Base URL; the endpoint is `POST ${url}/beneficiaries`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the bare app on a free port of 127.0.0.1. */
export const startBareNestApp = async (): Promise<BareNestApp> => {
  const app = await NestFactory.create(BareModule, { logger: false });
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
};
