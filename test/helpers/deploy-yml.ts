// The config/deploy.yml of the test app "shop": registry password and env secrets
// from the secrets files, as a Rails app's `kamal init` leaves them.

export function deployYml(secrets: string[] = ['RAILS_MASTER_KEY'], extra = ''): string {
  return `service: shop
image: example/shop
servers: [192.0.2.10]
registry:
  username: example
  password: [KAMAL_REGISTRY_PASSWORD]
env:
  secret: [${secrets.join(', ')}]
${extra}`;
}
