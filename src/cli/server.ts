// The federation server's command line: `npm run server -- <command> [options]`.
import { enrolCode, federationCreate, revoke, serve, status } from './server/commands';
import { UsageError } from './server/args';
import { PRIVACY_USAGE } from './server/privacy-flags';

const USAGE = `usage: npm run server -- <command> [--data-dir DIR] [options]

  federation create --config f.json [--initial-weights w.bin] [--seed N] [--pretrained model.json]
${PRIVACY_USAGE}
                      create the federation (prints the admin token once)
  serve [--host 127.0.0.1] [--port 8787] [--tls-cert cert.pem --tls-key key.pem] [--log-level info]
  enrol-code [--count 1] [--ttl-hours 72]   issue one-time enrolment codes
  revoke <clientId>                         revoke a client's credential
  status                                    print the admin status as JSON

--data-dir defaults to .data/server. See src/server/README.md.`;

async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'federation':
      if (sub !== 'create') throw new UsageError('unknown federation command; did you mean `federation create`?');
      return federationCreate(rest);
    case 'serve':
      return serve(argv.slice(1));
    case 'enrol-code':
      return enrolCode(argv.slice(1));
    case 'revoke':
      return revoke(argv.slice(1));
    case 'status':
      return status(argv.slice(1));
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
