import { INestApplicationContext, ParseUUIDPipe, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { z } from 'zod';
import { POLICY, Policy } from '../auth/policy';
import { CommandContextPipe } from './command-request.decorator';
import { ZodBodyPipe } from './validation';

export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One HTTP route of a running app, as its Nest router holds it, with what its handler's
 * parameters check: the document (`completeOpenApiDocument`) and the specs that walk every
 * route read the same metadata the router runs, so neither can drift from it.
 */
export interface RouteDescription {
  /** The controller class's name and the handler's: `<controller>_<handler>` is the operationId. */
  controller: string;
  handler: string;
  method: RouteMethod;
  /** Nest's form, `/beneficiaries/:id/close`. */
  path: string;
  /** The declared policy (`@Allow`, `@Public`), on the handler or its controller. */
  policy?: Policy;
  /** Path parameters a `ParseUUIDPipe` checks (`uuidParam`): anything but a UUID is a 400. */
  uuidParams: string[];
  /** The schema of a body a `ZodBodyPipe` validates. */
  body?: z.ZodType;
  /** A command: `@CommandRequest()` reads Idempotency-Key, If-Match and X-Correlation-Id. */
  command: boolean;
}

interface ArgumentMetadata {
  data?: unknown;
  pipes?: unknown[];
}

const METHODS: Partial<Record<RequestMethod, RouteMethod>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

const joinPath = (...parts: string[]): string => `/${parts.map((part) => part.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`;

/** `ROUTE_ARGS_METADATA` keys are `<paramtype>:<index>`; custom decorators prefix a generated type. */
const paramTypeOf = (key: string): string => key.slice(0, key.lastIndexOf(':'));

/** Every route of every controller of the app's modules, with its policy and what its parameters check. */
export const routesOf = (app: INestApplicationContext): RouteDescription[] => {
  const scanner = new MetadataScanner();
  const routes: RouteDescription[] = [];
  const seen = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype || seen.has(controller)) continue;
      seen.add(controller);
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const handler of scanner.getAllMethodNames(controller.prototype)) {
        const target = (controller.prototype as Record<string, unknown>)[handler] as object;
        const path = Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined;
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, target) as RequestMethod];
        if (path === undefined || method === undefined) continue; // not a route (e.g. an @EventPattern handler)
        const policy = (Reflect.getMetadata(POLICY, target) ?? Reflect.getMetadata(POLICY, controller)) as Policy | undefined;
        const args = Object.entries((Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<string, ArgumentMetadata>);
        const uuidParams = args
          .filter(([key, arg]) => paramTypeOf(key) === String(RouteParamtypes.PARAM) && typeof arg.data === 'string' && arg.pipes?.some((pipe) => pipe instanceof ParseUUIDPipe))
          .map(([, arg]) => arg.data as string);
        const body = args
          .filter(([key]) => paramTypeOf(key) === String(RouteParamtypes.BODY))
          .flatMap(([, arg]) => arg.pipes ?? [])
          .find((pipe): pipe is ZodBodyPipe<z.ZodType> => pipe instanceof ZodBodyPipe)?.schema;
        const command = args.some(([, arg]) => arg.pipes?.includes(CommandContextPipe) === true);
        for (const one of Array.isArray(path) ? path : [path]) {
          routes.push({
            controller: controller.name,
            handler,
            method,
            path: joinPath(base, one),
            ...(policy ? { policy } : {}),
            uuidParams,
            ...(body ? { body } : {}),
            command,
          });
        }
      }
    }
  }
  return routes;
};

/** `/beneficiaries/:id` as OpenAPI writes it: `/beneficiaries/{id}`. */
export const openApiPathOf = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
