// The Device Management and Information Reporting interfaces (LwM2M 1.1 Core §5.4, §5.5;
// Transport §6.4) by CoAP method, as the Bootstrap Interface is by bootstrap() (bootstrap.ts).
import { Registry } from '../core/registry';
import { NOT_ALLOWED } from '../core/errors';
import { CODE, FORMAT } from '../../transport/coap/constants';
import { Req, Res, res } from './common';
import { read } from './read';
import { write } from './write';
import { execute } from './execute';
import { create } from './create';
import { del } from './delete';
import { discover } from './discover';
import { writeAttributes } from './write-attributes';
import { composite } from './composite';

/**
 * The operation a request from an LwM2M server with CoAP method `method` asks for, `body` when
 * it has a payload or a Content-Format: GET is Discover with Accept link-format (40), else Read;
 * FETCH on "/" Read-Composite; PUT Write (replace), or Write-Attributes without a body; POST on
 * an object Create, on an instance Write (partial update), on a resource Execute; DELETE
 * Delete; iPATCH on "/" Write-Composite; anything else 4.05. One entry point, not seven: each
 * operation is then called from one place only and the build writes it into this function,
 * so the board holds one function for them instead of seven (docs/memory.md, rule 1).
 */
export function manage(reg: Registry, req: Req, method: number, body: boolean): Res {
  var n = req.path.length;
  if (method === CODE.GET) return req.accept === FORMAT.LINK ? discover(reg, req) : read(reg, req);
  if (method === CODE.FETCH || method === CODE.IPATCH) return n ? res(NOT_ALLOWED) : method === CODE.FETCH ? composite().read(reg, req) : composite().write(reg, req);
  if (method === CODE.PUT && !body) return writeAttributes(reg, req);
  if (method === CODE.POST && n !== 2) return n === 1 ? create(reg, req) : n === 3 ? execute(reg, req) : res(NOT_ALLOWED);
  if (method === CODE.DELETE) return del(reg, req);
  return method === CODE.PUT || method === CODE.POST ? write(reg, req, method === CODE.POST) : res(NOT_ALLOWED);
}
