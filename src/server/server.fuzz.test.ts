// The federation server's fuzz suite (src/server/testing/fuzz-suite.ts) over node:http.
import { describeServerFuzz } from './testing/fuzz-suite';

describeServerFuzz();
