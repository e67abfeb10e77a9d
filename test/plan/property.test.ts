/** The planner's properties (./properties.ts), a quick share: 300 cases; the slow tier runs 1,200 more. */
import { planProperties } from './properties.js';

planProperties(Number(process.env.PLAN_PROPERTY_RUNS ?? 300));
