/** Timestamps in each vendor's spelling (issue #4 item 4; units from shared/gateway-formats/README.md). */

/** ISO-8601 UTC with milliseconds and `Z` (Impinj, Minew). */
export function isoZ(t: number): string {
  return new Date(t).toISOString();
}

/** ISO-8601 with milliseconds and a `+0000` offset without a colon, as Zebra's IoT Connector writes it. */
export function isoZebra(t: number): string {
  return isoZ(t).replace('Z', '+0000');
}

/** Unix seconds as a decimal string (Ruuvi Gateway's `ts`/`gwts`): whole seconds, the fraction dropped. */
export function unixSecondsString(t: number): string {
  return String(Math.floor(t / 1000));
}
