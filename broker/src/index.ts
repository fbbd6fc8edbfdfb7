export { createBroker, type BrokerStats, type CreateBrokerOptions, type RtlsBroker } from './broker.ts';
export { BrokerConfigSchema, BrokerEnvSchema, loadBrokerConfig, type BrokerConfig } from './config.ts';
export { PrincipalSchema, mayPublish, maySubscribe, principalLabel, type Authenticator, type Principal } from './acl.ts';
export { EmbeddedMessageSource } from './embedded-message-source.ts';
export {
  CredentialSchema, CredentialsFileSchema, credentialsAuthenticator, loadCredentialsFile, type Credential,
} from './credentials-file.ts';
export { MqttFrameScanner, PacketLimitError, PacketSizeGuard, type FrameViolation } from './packet-size-guard.ts';
