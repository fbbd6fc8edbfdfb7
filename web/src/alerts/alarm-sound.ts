import { createSignal, type Accessor } from 'solid-js';
import { SEVERITY_RANK, type Severity } from '@rtls/protocol';

/**
 * The console's alarm sound (issue #7 item 4: "WebSocket to the console (with sound …)"): beeps made with WebAudio, no
 * audio files. Browsers start an AudioContext suspended until the person has touched the page (autoplay policy), so the
 * context is made and resumed on the first gesture (`unlock`). The mute switch is remembered per browser (localStorage:
 * a preference of the workstation, not of a session, and nothing personal).
 */

export const MUTED_KEY = 'rtls.alarm-sound-muted';
/** Patterns closer together than this are dropped unless the new one is more severe: a burst of alarms is one alert. */
export const MIN_GAP_MS = 2000;

export interface Beep {
  /** Hz. */
  freq: number;
  count: number;
  /** ms per tone and between tones. */
  toneMs: number;
  gapMs: number;
}

/** More urgent, more insistent: three high tones for critical down to one low tone. */
export const BEEPS: Readonly<Record<Severity, Beep>> = Object.freeze({
  critical: { freq: 1046, count: 3, toneMs: 180, gapMs: 90 },
  high: { freq: 880, count: 2, toneMs: 180, gapMs: 110 },
  medium: { freq: 660, count: 1, toneMs: 220, gapMs: 0 },
  low: { freq: 523, count: 1, toneMs: 160, gapMs: 0 },
});

/** The part of an AudioContext used (tests pass a fake). */
export type AudioContextLike = Pick<AudioContext, 'state' | 'currentTime' | 'destination' | 'resume' | 'close' | 'createOscillator' | 'createGain'>;

export interface PrefStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface AlarmSound {
  muted: Accessor<boolean>;
  setMuted(v: boolean): void;
  /** A user gesture: make or resume the audio context so later alarms can sound. */
  unlock(): void;
  /** Sound the pattern for a severity; false when muted, throttled or audio is not available. */
  play(severity: Severity): boolean;
  /** Patterns played so far (the e2e test reads it through the debug hook). */
  played(): number;
  /** The session ended: release the audio context (browsers allow only a few per page). */
  dispose(): void;
}

export function createAlarmSound(o: { storage: PrefStore | null; createContext: () => AudioContextLike | null; clock: () => number }): AlarmSound {
  const stored = (() => {
    try {
      return o.storage?.getItem(MUTED_KEY) ?? null;
    } catch {
      return null;
    }
  })();
  const [muted, setMutedSig] = createSignal(stored === 'true');
  let ctx: AudioContextLike | null = null;
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastRank = Number.POSITIVE_INFINITY;
  let count = 0;

  const context = (): AudioContextLike | null => {
    if (ctx) return ctx;
    try {
      ctx = o.createContext();
    } catch {
      ctx = null;
    }
    return ctx;
  };

  return {
    muted,
    setMuted(v) {
      setMutedSig(v);
      try {
        o.storage?.setItem(MUTED_KEY, String(v));
      } catch {
        // Storage full or disabled: the switch still works for this page.
      }
    },
    unlock() {
      const c = context();
      if (c && c.state === 'suspended') void c.resume().catch(() => {});
    },
    play(severity) {
      if (muted()) return false;
      const now = o.clock();
      const rank = SEVERITY_RANK[severity];
      if (now - lastAt < MIN_GAP_MS && rank >= lastRank) return false;
      const c = context();
      if (!c) return false;
      if (c.state === 'suspended') void c.resume().catch(() => {});
      lastAt = now;
      lastRank = rank;
      const b = BEEPS[severity];
      const t0 = c.currentTime + 0.02;
      for (let i = 0; i < b.count; i++) {
        const start = t0 + (i * (b.toneMs + b.gapMs)) / 1000;
        const end = start + b.toneMs / 1000;
        const osc = c.createOscillator();
        const gain = c.createGain();
        osc.type = 'square';
        osc.frequency.value = b.freq;
        // A short ramp in and out: a tone switched on and off abruptly clicks.
        gain.gain.setValueAtTime(0, start);
        gain.gain.linearRampToValueAtTime(0.18, start + 0.01);
        gain.gain.setValueAtTime(0.18, end - 0.02);
        gain.gain.linearRampToValueAtTime(0, end);
        osc.connect(gain).connect(c.destination);
        osc.start(start);
        osc.stop(end + 0.01);
      }
      count++;
      return true;
    },
    played: () => count,
    dispose() {
      void ctx?.close().catch(() => {});
      ctx = null;
    },
  };
}
