/**
 * The UHF channel an RFID read happened on. Readers hop over the FCC part 15.247 band, 50 channels of 500 kHz from
 * 902.75 to 927.25 MHz (Zebra's sample shows 927.25 MHz); the simulator has no hopping model, so the channel is a
 * stable pseudo-random pick per (tag, time) — the locator does not use it.
 */
import { hash32 } from '../random.ts';

const FIRST_CHANNEL_KHZ = 902_750;
const CHANNEL_SPACING_KHZ = 500;
const CHANNELS = 50;

export function uhfChannelKhz(tag: string, t: number): number {
  return FIRST_CHANNEL_KHZ + CHANNEL_SPACING_KHZ * (hash32(`uhf/${tag}/${t}`) % CHANNELS);
}
