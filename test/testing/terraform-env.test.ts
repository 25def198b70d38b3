import { envWithoutKmsSettings } from "../../lib/testing";

test("drops the caller's KMS and Infisical settings, and what `also` matches; keeps the rest", () => {
  const env = { PATH: "/bin", KMS_TOKEN: "t", KMS_CLIENT_SECRET: "s", INFISICAL_TOKEN: "i", TF_VAR_key: "k", HOME: "/h" };
  expect(envWithoutKmsSettings(env)).toEqual({ PATH: "/bin", TF_VAR_key: "k", HOME: "/h" });
  expect(envWithoutKmsSettings(env, /^TF_VAR_/)).toEqual({ PATH: "/bin", HOME: "/h" });
});
