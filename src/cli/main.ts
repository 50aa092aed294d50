import { parseArgs } from 'node:util';
import Joi from 'joi';
import { seedDemo } from '../../db/seeds/demo-seed';
import { registerUser } from '../app/auth/auth-service';
import { DomainError } from '../domain/errors';
import { USER_ROLES, type UserRole } from '../domain/types';
import { createRuntime } from '../composition';

const USAGE = `usage: npm run cli -- <command>
  migrate                                   create the database if missing and run migrations
  seed                                      demo practitioner, client and admin; prints their tokens
  create-user --email E --password P --name N --role client|practitioner|admin
                                            prints {"id":..,"token":".."}`;

const createUserArgs = Joi.object({
  email: Joi.string().email({ tlds: false }).required(),
  password: Joi.string().min(8).required(),
  name: Joi.string().min(1).max(200).required(),
  role: Joi.string()
    .valid(...USER_ROLES)
    .required(),
});

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!['migrate', 'seed', 'create-user'].includes(command)) throw new Error(`unknown command "${command}"\n${USAGE}`);
  const app = await createRuntime('cli', { migrate: true });
  try {
    if (command === 'seed') {
      process.stdout.write(`${JSON.stringify(await seedDemo(app), null, 2)}\n`);
    } else if (command === 'create-user') {
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } });
      const { error, value } = createUserArgs.validate(values);
      if (error) throw new Error(`${error.message}\n${USAGE}`);
      const { user, token } = await registerUser(app, value as { email: string; password: string; name: string; role: UserRole });
      process.stdout.write(`${JSON.stringify({ id: user.id, token })}\n`);
    } else {
      process.stderr.write('migrations are up to date\n');
    }
  } finally {
    await app.db.destroy();
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof DomainError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
