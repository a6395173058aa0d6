// The distributed pool's error codes (listed in the README with the others).

/** Names of the codes this folder throws. */
export const ERR_DEPENDENCY_MISSING = 'ERR_DISTRIBUTED_DEPENDENCY_MISSING';
export const ERR_CONNECTION = 'ERR_DISTRIBUTED_CONNECTION';
export const ERR_NOT_IMPORTED = 'ERR_DISTRIBUTED_NOT_IMPORTED';
export const ERR_MODULE_MISMATCH = 'ERR_DISTRIBUTED_MODULE_MISMATCH';
export const ERR_BAD_JOB = 'ERR_DISTRIBUTED_BAD_JOB';
export const ERR_JOB_FAILED = 'ERR_DISTRIBUTED_JOB_FAILED';
export const ERR_TASK_FAILED = 'ERR_DISTRIBUTED_TASK_FAILED';

