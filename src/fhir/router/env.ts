// What every interaction handler needs: the repository, the caller's context
// (the router sets `interaction`), the public base URL and the preferences.
import type { Preferences } from './http.js';
import type { FhirRepository, Interaction, RequestContext } from '../types.js';

export interface RouterOptions {
  /** Public FHIR base, e.g. https://node.example/fhir/R4 (no trailing slash needed). */
  baseUrl: string;
  /** SMART token endpoint advertised in the CapabilityStatement. */
  tokenUrl?: string;
}

export interface RouterEnv {
  repo: FhirRepository;
  ctx: Omit<RequestContext, 'interaction'>;
  base: string;
  options: RouterOptions;
  prefer: Preferences;
}

export function contextFor(env: RouterEnv, interaction: Interaction): RequestContext {
  return { ...env.ctx, interaction };
}
