import { expect } from 'chai';
import { forbidden, malformedAuthorization, unauthenticated } from '../../src/auth/errors.js';
import { GrpcCode, GrpcError, statusOf } from '../../src/flight/grpc-status.js';
import { AppError, badRequest, notFound } from '../../src/shared/app-error.js';

describe('flight/grpc-status', () => {
  it('maps the core errors to gRPC codes, keeping their messages', () => {
    expect(statusOf(unauthenticated('invalid token'))).to.deep.equal({ code: GrpcCode.UNAUTHENTICATED, message: 'the request was not authenticated: invalid token', internal: false });
    expect(statusOf(malformedAuthorization()).code).to.equal(GrpcCode.UNAUTHENTICATED);
    expect(statusOf(forbidden('x')).code).to.equal(GrpcCode.PERMISSION_DENIED);
    expect(statusOf(notFound('database not found: a'))).to.deep.equal({ code: GrpcCode.NOT_FOUND, message: 'database not found: a', internal: false });
    expect(statusOf(badRequest('Parser Error: syntax error')).code).to.equal(GrpcCode.INVALID_ARGUMENT);
    expect(statusOf(new AppError('storage_closed', 'storage is not open', { status: 503 })).code).to.equal(GrpcCode.UNAVAILABLE);
    expect(statusOf(new GrpcError(GrpcCode.UNIMPLEMENTED, 'nope'))).to.deep.equal({ code: GrpcCode.UNIMPLEMENTED, message: 'nope', internal: false });
  });

  it('answers INTERNAL with a generic message for anything unexpected, never its text', () => {
    expect(statusOf(new TypeError('secret detail at /x/y.ts:1'))).to.deep.equal({ code: GrpcCode.INTERNAL, message: 'internal error', internal: true });
    expect(statusOf(new AppError('boom', 'secret', { status: 500 }))).to.deep.equal({ code: GrpcCode.INTERNAL, message: 'internal error', internal: true });
    expect(statusOf(new AppError('hidden', 'secret', { status: 400, expose: false })).message).to.equal('internal error');
  });
});
