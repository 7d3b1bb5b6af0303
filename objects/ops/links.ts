// The object list of the Register and Update payloads (LwM2M 1.1 Core §5.3.1,
// §6.2.1): `</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>,</6>` — the Security object
// is never announced; `ver` only when the object version is not 1.0.
import { Registry } from '../core/registry';
import { ids } from '../core/types';
import { verStr } from './discover';

export function objectLinks(reg: Registry): string {
  var s = '';
  var l = ids(reg.o);
  for (var k = 0; k < l.length; k++) {
    if (!l[k]) continue;
    var o = reg.obj(l[k])!;
    var is = o.iids();
    if (!is.length || verStr(o)) s += ',</' + o.def[0] + '>' + verStr(o);
    for (var j = 0; j < is.length; j++) s += ',</' + o.def[0] + '/' + is[j] + '>';
  }
  return s.substring(1);
}
