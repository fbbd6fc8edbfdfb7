export { createBroker, type BrokerStats, type CreateBrokerOptions, type RtlsBroker } from './broker.ts';
export {
  BROKER_PROFILES, BrokerConfigSchema, BrokerEnvSchema, isLoopbackHost, loadBrokerConfig, type BrokerConfig, type BrokerProfile,
} from './config.ts';
export {
  MAX_CLIENT_ID_LENGTH, PrincipalSchema, mayPublish, mayRetain, maySubscribe, mayUseClientId, principalKey, principalLabel,
  type AnonymousPrincipal, type Authenticator, type CredentialPrincipal, type GatewayPrincipal, type Principal, type ServicePrincipal,
} from './acl.ts';
export { ConnectLockout, addressKey, type LockoutCheck, type LockoutPolicy } from './lockout.ts';
export { EmbeddedMessageSource } from './embedded-message-source.ts';
export {
  CredentialSchema, CredentialsFileSchema, credentialsAuthenticator, loadCredentialsFile, type Credential,
} from './credentials-file.ts';
export { MqttFrameScanner, PacketLimitError, PacketSizeGuard, type FrameViolation } from './packet-size-guard.ts';
