/** The public KMS, used when no KMS URL is given (construct props, provider config, CLI). No imports: the provider and the hook load it too. */
export const DEFAULT_KMS_URL = "https://app.kms.hanzo.ai";
