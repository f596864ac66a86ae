/**
 * Side-effect module: generated protobuf classes of this program read 64-bit integers as plain
 * numbers, not Long objects (unix ms and stream sequences fit in a double). proto/codec.ts does the
 * same for the protocol; import this before decoding example types in services and pages.
 */
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as never;
$protobuf.configure();
