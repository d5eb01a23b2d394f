// Loaded before anything else so OpenTelemetry can patch http, express, Nest and mongoose
// (messaging spans are opened by libs/messaging itself, on both transports).
import { startTelemetry } from '@oriental/telemetry';

startTelemetry('network');
