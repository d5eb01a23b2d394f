import jestOpenAPI from 'jest-openapi';

/**
 * Makes `expect(response).toSatisfyApiSpec()` check supertest responses against the OpenAPI
 * document the service itself serves (`/docs/openapi.json`): the status must be documented for
 * that route and method, and the body must match the documented schema, so a spec fails when
 * a controller answers something its document does not say.
 */
export const checkResponsesAgainstOpenApiOf = async (serviceUrl: string): Promise<void> => {
  const response = await fetch(`${serviceUrl}/docs/openapi.json`);
  if (!response.ok) throw new Error(`${serviceUrl}/docs/openapi.json answered ${response.status}`);
  jestOpenAPI((await response.json()) as Parameters<typeof jestOpenAPI>[0]);
};
