/** Names shared by the broker flood's processes. */
export const benchGatewayIdFor = (i: number): string => `bench-gw-${String(i).padStart(3, '0')}`;
export const BENCH_SERVICE_USER = 'bench';
