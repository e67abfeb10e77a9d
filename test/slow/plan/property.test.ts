/** The planner's properties (test/plan/properties.ts), the thorough share: 1,200 cases (the unit tier runs 300). */
import { planProperties } from '../../plan/properties.js';

planProperties(Number(process.env.PLAN_PROPERTY_RUNS ?? 1200));
