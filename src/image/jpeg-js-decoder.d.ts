// Types for jpeg-js's decoder module alone (the package's index also loads its encoder,
// which the runtime-neutral core does not need).
declare module "jpeg-js/lib/decoder.js" {
  interface JpegDecodeOptions {
    useTArray: true;
    colorTransform?: boolean;
    formatAsRGBA?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  function decode(jpegData: Uint8Array, options: JpegDecodeOptions): { width: number; height: number; data: Uint8Array };
  export default decode;
}
