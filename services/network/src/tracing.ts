// Loaded before anything else so OpenTelemetry can patch http, express, Nest, kafkajs and mongoose.
import { startTelemetry } from '@oriental/telemetry';

startTelemetry('network');
