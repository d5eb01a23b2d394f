export * from './intake.service';
export { rotateMasterKey, type RotationReport } from './personal-data/master-key-rotation';
