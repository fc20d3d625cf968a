/**
 * The emulator's clock is the project's one clock (`src/clock.ts`): every asynchronous thing the
 * emulator does (route entry Pending→Available, CEN child attach, health-check probes, probe
 * sampling) is a timer on one `Clock`, so one `VirtualClock` drives it together with the engine and
 * the FC stand-in, and `xcflow emulator --clock real --speed N` runs it on a `RealClock`.
 */
export { RealClock, VirtualClock, type Clock } from '../clock.ts';
