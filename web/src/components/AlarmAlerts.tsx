import { createEffect, on, onCleanup, onMount } from 'solid-js';
import { placeName } from '../alarm-format.ts';
import type { AlarmNotifier } from '../alerts/alarm-notifications.ts';
import type { AlarmSound } from '../alerts/alarm-sound.ts';
import { useApp } from '../context.ts';
import { alarmConsoleHash } from '../stores/routes.ts';

export interface AlarmAlerter {
  sound: AlarmSound;
  notifier: AlarmNotifier;
}

/**
 * New and escalated alarms, wherever the person is in the app (issue #7 item 4: "WebSocket to the console (with sound
 * and browser notification)"): a beep unless muted, and a browser notification once permission was granted. Renders
 * nothing; the switches are in the console's head.
 */
export function AlarmAlerts(props: { alerter: AlarmAlerter }) {
  const { stores, navigate } = useApp();
  const { sound, notifier } = props.alerter;
  // Audio may start only after a gesture on the page (autoplay policy): the first one unlocks it.
  const unlock = () => sound.unlock();
  onMount(() => {
    window.addEventListener('pointerdown', unlock, { capture: true, passive: true });
    window.addEventListener('keydown', unlock, { capture: true, passive: true });
  });
  onCleanup(() => {
    window.removeEventListener('pointerdown', unlock, { capture: true });
    window.removeEventListener('keydown', unlock, { capture: true });
  });
  createEffect(on(stores.alarms.alert, (al) => {
    if (!al) return;
    sound.play(al.alarm.severity);
    notifier.notify(al.alarm, placeName(al.alarm, stores.floors.plans()), al.reason, () => navigate(alarmConsoleHash({ alarm: al.alarm.id })));
  }, { defer: true }));
  return null;
}
