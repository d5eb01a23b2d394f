/** DI tokens of the platform (ports have theirs in their own libraries). */
export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const CLOCK = Symbol('Clock');
export const REFERENCE_DATA = Symbol('ReferenceData');
export const SERVICE_STATUS = Symbol('ServiceStatus');
export const COMMAND_EXECUTOR = Symbol('CommandExecutor');
export const SERVICE_METRICS = Symbol('ServiceMetrics');
