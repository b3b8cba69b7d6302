// The web host's fuzz suite (web-host-fuzz-suite.ts) against the shipped node:http host.
import { describeWebHostFuzz } from './web-host-fuzz-suite';

describeWebHostFuzz();
