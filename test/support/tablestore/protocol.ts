/**
 * The protobuf side of the Tablestore wire protocol, loaded with protobufjs from the `.proto`
 * files the `tablestore` SDK ships (`lib/protocol/tablestore.proto`, `tablestore_filter.proto`),
 * so the stand-in and the SDK read the same schema. The interfaces below mirror those messages
 * (camelCase, as protobufjs names fields) for the subset the stand-in serves.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('tablestore/package.json')), 'lib', 'protocol');
const root = protobuf.loadSync([join(protoDir, 'tablestore.proto'), join(protoDir, 'tablestore_filter.proto')]);

/** main.proto.RowExistenceExpectation */
export const RowExistence = { IGNORE: 0, EXPECT_EXIST: 1, EXPECT_NOT_EXIST: 2 } as const;
/** filter.proto.FilterType */
export const FilterType = { SINGLE: 1, COMPOSITE: 2, PAGINATION: 3 } as const;
/** filter.proto.ComparatorType */
export const Comparator = { EQUAL: 1, NOT_EQUAL: 2, GREATER_THAN: 3, GREATER_EQUAL: 4, LESS_THAN: 5, LESS_EQUAL: 6 } as const;
/** filter.proto.LogicalOperator */
export const Logical = { NOT: 1, AND: 2, OR: 3 } as const;
/** main.proto.ReturnType */
export const ReturnType = { NONE: 0, PK: 1, AFTER_MODIFY: 2 } as const;
/** main.proto.PrimaryKeyType */
export const PkType = { INTEGER: 1, STRING: 2, BINARY: 3 } as const;
/** main.proto.OperationType (BatchWriteRow) */
export const OperationType = { PUT: 1, UPDATE: 2, DELETE: 3 } as const;
/** main.proto.Direction */
export const Direction = { FORWARD: 0, BACKWARD: 1 } as const;

export interface ConditionMsg {
  rowExistence: number;
  columnCondition?: Uint8Array;
}
export interface ReturnContentMsg {
  returnType?: number;
  returnColumnNames?: string[];
}
export interface TimeRangeMsg {
  startTime?: number;
  endTime?: number;
  specificTime?: number;
}
export interface PrimaryKeySchemaMsg {
  name: string;
  type: number;
  option?: number;
}
export interface TableOptionsMsg {
  timeToLive?: number;
  maxVersions?: number;
  deviationCellVersionInSec?: number;
  allowUpdate?: boolean;
}
export interface CreateTableRequest {
  tableMeta: { tableName: string; primaryKey?: PrimaryKeySchemaMsg[] };
  reservedThroughput: { capacityUnit: { read?: number; write?: number } };
  tableOptions?: TableOptionsMsg;
}
export interface TableNameRequest {
  tableName: string;
}
export interface GetRowRequest {
  tableName: string;
  primaryKey: Uint8Array;
  columnsToGet?: string[];
  timeRange?: TimeRangeMsg;
  maxVersions?: number;
  filter?: Uint8Array;
  startColumn?: string;
  endColumn?: string;
}
export interface WriteRowRequest {
  tableName: string;
  row?: Uint8Array;
  rowChange?: Uint8Array;
  primaryKey?: Uint8Array;
  condition: ConditionMsg;
  returnContent?: ReturnContentMsg;
}
export interface GetRangeRequest {
  tableName: string;
  direction: number;
  columnsToGet?: string[];
  timeRange?: TimeRangeMsg;
  maxVersions?: number;
  limit?: number;
  inclusiveStartPrimaryKey: Uint8Array;
  exclusiveEndPrimaryKey: Uint8Array;
  filter?: Uint8Array;
  startColumn?: string;
  endColumn?: string;
}
export interface BatchGetRowRequest {
  tables?: {
    tableName: string;
    primaryKey?: Uint8Array[];
    columnsToGet?: string[];
    timeRange?: TimeRangeMsg;
    maxVersions?: number;
    filter?: Uint8Array;
    startColumn?: string;
    endColumn?: string;
  }[];
}
export interface BatchWriteRowRequest {
  tables?: {
    tableName: string;
    rows?: { type: number; rowChange: Uint8Array; condition: ConditionMsg; returnContent?: ReturnContentMsg }[];
  }[];
}
export interface FilterMsg {
  type: number;
  filter: Uint8Array;
}
export interface SingleColumnValueFilterMsg {
  comparator: number;
  columnName: string;
  columnValue: Uint8Array;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}
export interface CompositeColumnValueFilterMsg {
  combinator: number;
  subFilters?: FilterMsg[];
}
export interface ColumnPaginationFilterMsg {
  offset: number;
  limit: number;
}

/** The operations the stand-in serves, by their URL path name. */
export const REQUEST_TYPES = {
  CreateTable: 'main.proto.CreateTableRequest',
  ListTable: 'main.proto.ListTableRequest',
  DescribeTable: 'main.proto.DescribeTableRequest',
  DeleteTable: 'main.proto.DeleteTableRequest',
  PutRow: 'main.proto.PutRowRequest',
  GetRow: 'main.proto.GetRowRequest',
  UpdateRow: 'main.proto.UpdateRowRequest',
  DeleteRow: 'main.proto.DeleteRowRequest',
  GetRange: 'main.proto.GetRangeRequest',
  BatchWriteRow: 'main.proto.BatchWriteRowRequest',
  BatchGetRow: 'main.proto.BatchGetRowRequest',
} as const;

/** An operation name the stand-in serves. */
export type Operation = keyof typeof REQUEST_TYPES;

/** Whether `name` is an operation the stand-in serves. */
export function isOperation(name: string): name is Operation {
  return Object.prototype.hasOwnProperty.call(REQUEST_TYPES, name);
}

const conversion: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, arrays: false };

/**
 * Decodes a protobuf message of the named type into a plain object. Throws protobufjs's error for
 * malformed bytes or a missing required field; the caller maps it to `OTSParameterInvalid`.
 */
export function decodeMessage<T>(typeName: string, bytes: Uint8Array): T {
  const type = root.lookupType(typeName);
  return type.toObject(type.decode(bytes), conversion) as T;
}

/** Encodes a plain object as the named protobuf message. */
export function encodeMessage(typeName: string, value: Record<string, unknown>): Buffer {
  const type = root.lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}
