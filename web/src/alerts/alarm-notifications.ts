import { createSignal, type Accessor } from 'solid-js';
import type { Alarm } from '@rtls/protocol';

/**
 * Browser notifications for new alarms (issue #7 item 4), so an alarm reaches a console whose tab is in the
 * background. Permission is asked only when the person presses the button (browsers ignore or penalise a prompt
 * nobody asked for), and a notification is shown only once it is granted.
 *
 * The text names the rule, the subject's tag label and the place, never a patient's name: a notification outlives the
 * session (lock screen, notification centre), where the app's patient scope no longer protects it.
 */

export type NotifyPermission = NotificationPermission | 'unsupported';

/** The part of the browser's Notification API used (tests pass a fake). */
export interface NotificationPort {
  permission(): NotifyPermission;
  request(): Promise<NotifyPermission>;
  /** False when the browser would not show it. */
  show(title: string, body: string, tag: string, onClick: () => void): boolean;
}

export function browserNotifications(w: Window & typeof globalThis): NotificationPort {
  const N = 'Notification' in w ? w.Notification : undefined;
  return {
    permission: () => (N ? N.permission : 'unsupported'),
    request: async () => (N ? N.requestPermission() : 'unsupported'),
    show(title, body, tag, onClick) {
      if (!N || N.permission !== 'granted') return false;
      let n: Notification;
      try {
        n = new N(title, { body, tag, requireInteraction: false });
      } catch {
        // Some browsers (Android Chrome) allow notifications only from a service worker: the sound and badge remain.
        return false;
      }
      n.onclick = () => {
        w.focus();
        onClick();
        n.close();
      };
      return true;
    },
  };
}

const SEVERITY_WORD = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' } as const;

/** "Critical alarm: Infant near exit" / "Infant band 0042 · Maternity entrance exit zone". */
export function notificationText(a: Alarm, whereName: string | null, reason: 'new' | 'escalated'): { title: string; body: string } {
  const head = reason === 'escalated' ? `${SEVERITY_WORD[a.severity]} alarm escalated (level ${a.escalationLevel})` : `${SEVERITY_WORD[a.severity]} alarm`;
  return { title: `${head}: ${a.ruleName}`, body: whereName ? `${a.subject.label} · ${whereName}` : a.subject.label };
}

export interface AlarmNotifier {
  permission: Accessor<NotifyPermission>;
  /** Only from a click handler (a user gesture). */
  ask(): Promise<void>;
  notify(a: Alarm, whereName: string | null, reason: 'new' | 'escalated', onClick: () => void): boolean;
  shown(): number;
}

export function createAlarmNotifier(port: NotificationPort): AlarmNotifier {
  const [permission, setPermission] = createSignal<NotifyPermission>(port.permission());
  let count = 0;
  return {
    permission,
    async ask() {
      if (port.permission() !== 'default') {
        setPermission(port.permission());
        return;
      }
      setPermission(await port.request().catch(() => port.permission()));
    },
    notify(a, whereName, reason, onClick) {
      // Re-read: the person may have changed it in the browser's site settings meanwhile.
      const p = port.permission();
      if (p !== permission()) setPermission(p);
      if (p !== 'granted') return false;
      const t = notificationText(a, whereName, reason);
      if (!port.show(t.title, t.body, `rtls-alarm-${a.id}`, onClick)) return false;
      count++;
      return true;
    },
    shown: () => count,
  };
}
