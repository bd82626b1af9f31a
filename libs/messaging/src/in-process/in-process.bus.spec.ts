import { runBusContractSuite } from '../testing/bus-contract.suite';
import { InProcessBus } from './in-process.bus';

runBusContractSuite('InProcessBus', async ({ metrics }) => new InProcessBus({ metrics }), { timeoutMs: 10_000, waitMs: 5_000, quietMs: 50 });
