export const READ_STORE = Symbol('ReadStore');
