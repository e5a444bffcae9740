/**
 * Request validators compiled on first use instead of at startup. Fastify
 * compiles every route's schemas when the app becomes ready; the Docker
 * create body alone is a large schema, and most daemons never see most
 * routes. Compiling lazily keeps startup and idle memory low; each
 * validator still comes from Fastify's own Ajv compiler with its options,
 * except that request bodies are checked without type coercion.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Compile = (routeSchema: { schema: unknown; method: string; url: string; httpPart?: string }) => Validate;
type BuildValidator = (externalSchemas: unknown, options: unknown) => Compile;

export function lazyValidatorFactory(): BuildValidator {
  const buildFromPool = AjvCompiler() as unknown as BuildValidator;
  return (externalSchemas, options) => {
    const compile = buildFromPool(externalSchemas, options);
    // Bodies are JSON with real types: "64" is not an integer (Docker's Go decoder says so too).
    const custom = (options as { customOptions?: object } | undefined)?.customOptions ?? {};
    const compileBody = buildFromPool(externalSchemas, { ...(options as object), customOptions: { ...custom, coerceTypes: false } });
    return (routeSchema) => {
      let compiled: Validate | undefined;
      const validate: Validate = (data) => {
        compiled ??= (routeSchema.httpPart === 'body' ? compileBody : compile)(routeSchema);
        const result = compiled(data);
        validate.errors = compiled.errors;
        return result;
      };
      return validate;
    };
  };
}
