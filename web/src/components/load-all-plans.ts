import { createEffect } from 'solid-js';
import { useApp } from '../context.ts';

/**
 * Load every floor's plan (the map loads only the floors it shows): views that name places on any floor need them.
 * Call inside a component; each plan is asked for once at a time, and again only after a failure.
 */
export function loadAllPlans(): void {
  const { stores, api } = useApp();
  const { floors } = stores;
  const requests = new Set<string>();
  createEffect(() => {
    const plans = floors.plans();
    for (const f of floors.list()) {
      if (plans.has(f.id) || requests.has(f.id)) continue;
      requests.add(f.id);
      api.floor(f.id).then(
        (plan) => {
          if (!floors.plans().has(plan.id)) floors.setPlan(plan);
        },
        () => requests.delete(f.id),
      );
    }
  });
}
