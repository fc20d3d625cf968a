/**
 * Types for `@alicloud/fc2` 2.6 (it ships none): the subset xcflow uses, as read from the package's
 * `lib/client.js`. `invokeFunction` resolves to `{headers, data}`; `data` is parsed JSON when the
 * response is `application/json`, a UTF-8 string otherwise (a Buffer with `opts.rawBuf`).
 * A non-2xx answer rejects with an Error whose `name` is `FC<ErrorCode>Error` and `code` the ErrorCode.
 */
declare module '@alicloud/fc2' {
  namespace FC {
    interface ClientConfig {
      accessKeyID: string;
      accessKeySecret: string;
      /** Required when `accessKeyID` starts with `STS`. */
      securityToken?: string;
      region: string;
      /** e.g. `http://127.0.0.1:9000`; default `http[s]://<account>.<region>[-internal].fc.aliyuncs.com`. */
      endpoint?: string;
      secure?: boolean;
      internal?: boolean;
      /** Milliseconds; default 60000. */
      timeout?: number;
      headers?: Record<string, string>;
    }
    interface Response<T = unknown> {
      headers: Record<string, string | string[] | undefined>;
      data: T;
    }
    type Query = Record<string, string | string[]> | null;
  }
  class FC {
    constructor(accountId: string, config: FC.ClientConfig);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<FC.Response>;
    request(
      method: string,
      path: string,
      query: FC.Query,
      body: string | Buffer | object | null,
      headers?: Record<string, string>,
      opts?: { rawBuf?: boolean },
    ): Promise<FC.Response>;
    get(path: string, query?: FC.Query, headers?: Record<string, string>): Promise<FC.Response>;
    post(
      path: string,
      body: string | Buffer | object | null,
      headers?: Record<string, string>,
      queries?: FC.Query,
      opts?: { rawBuf?: boolean },
    ): Promise<FC.Response>;
    put(path: string, body: string | Buffer | object | null, headers?: Record<string, string>): Promise<FC.Response>;
    delete(path: string, query?: FC.Query, headers?: Record<string, string>): Promise<FC.Response>;
    static getSignature(
      accessKeyID: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: Record<string, string | number>,
      queries?: FC.Query,
    ): string;
  }
  export = FC;
}
