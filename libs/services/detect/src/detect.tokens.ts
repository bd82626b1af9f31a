import { Stage } from '@flowguard/service-kit';

export const DETECT_SETTINGS = Symbol.for('flowguard.DetectSettings');
/** the DetectionConfig read at boot (DETECT_CONFIG_FILE or the defaults) */
export const DETECT_CONFIG = Symbol.for('flowguard.DetectConfig');
/** the RepartitionStage (stage 1 state) */
export const DETECT_REPARTITION = Symbol.for('flowguard.DetectRepartitionStage');
/** the DetectLanes (stage 2 state: one engine per repartition partition) */
export const DETECT_LANES = Symbol.for('flowguard.DetectLanes');

/**
 * Shutdown order inside the detect service: the repartition consumer stops at
 * Stage.detect, then the lanes' consumers (a half step later) once they have
 * taken what it published, then the lanes flush. Stages are plain numbers
 * ordered by value (ConsumersService).
 */
export const REPARTITION_STAGE = Stage.detect;
export const LANES_STAGE = Stage.detect + 0.5;
