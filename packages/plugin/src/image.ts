/** What the runtime needs of an image's configuration: the image store writes it, the lifecycle reads it. */
export interface ImageConfig {
  /** `KEY=value` words, as in OCI image configs. */
  env: string[];
  /** The command run when `skiff run` names none. */
  cmd: string[];
  workingDir: string;
}
