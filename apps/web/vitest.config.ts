import { baseTestConfig } from '@carryover/vitest-config';

export default baseTestConfig;
