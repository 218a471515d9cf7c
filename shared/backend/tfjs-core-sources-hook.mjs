// @ts-check
/**
 * A Node module-resolution hook (see `module.register`) that lets Node load
 * tfjs-core's unbundled ES modules (`dist/**\/*.js`), the only files that
 * register gradients. They import each other extensionlessly, as bundlers
 * allow, and `./gradients` names both `gradients.js` and a `gradients/`
 * directory; Node's ESM resolver accepts neither. Every relative import there
 * means `<specifier>.js`, so that is all this hook adds.
 */

const TFJS_CORE_DIST = '/node_modules/@tensorflow/tfjs-core/dist/';

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context: object) => Promise<unknown>} nextResolve
 */
export function resolve(specifier, context, nextResolve) {
  const fromTfjsCore = context.parentURL?.includes(TFJS_CORE_DIST) ?? false;
  const extensionless = specifier.startsWith('.') && !specifier.endsWith('.js');
  return nextResolve(fromTfjsCore && extensionless ? `${specifier}.js` : specifier, context);
}
