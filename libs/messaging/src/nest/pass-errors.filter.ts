import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Hands an `@EventPattern` handler's error to the transport as thrown. Nest's default RPC
 * exception filter replaces any error that is not an `RpcException` with
 * `{ status: 'error', message: 'Internal server error' }`, so the transport could no longer tell
 * a transient failure (retry) from a bad message (dead letter), nor say why in the dead letter.
 * Every consumer registers it: `microservice.useGlobalFilters(new PassErrorsToTransport())`.
 */
@Catch()
export class PassErrorsToTransport implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
