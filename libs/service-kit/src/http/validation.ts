import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, RequestValidationError } from '../errors';

const flatten = (errors: ValidationError[], parent = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      // class-validator says "property x should not exist" for unknown fields: keep it readable.
      message: message.startsWith(`property ${error.property} `) ? message.slice(`property ${error.property} `.length) : message.replace(`${field} `, '').replace(`${error.property} `, ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });

/**
 * Every body and query is validated against its DTO: unknown fields are refused (not silently
 * dropped), types are not coerced, and all field errors are reported at once.
 */
export const strictValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
  });

export const fieldErrorsOf = flatten;
