// Wi-Fi station on ESP32 (require('Wifi')), as an engine on the one scheduler: it
// joins with the configured credentials, rejoins after a loss with a doubling backoff
// (1 s to 60 s), and reports every new address so the client can re-register
// (LwM2M 1.1 §6.2.2: a new source address needs a Registration Update).
import type { Pollable } from '../../transport/ports';
import type { WifiInfo } from './board';
import type { EspWifi } from './native';

var BACKOFF_MIN = 1000;
var BACKOFF_MAX = 60000;

export class WifiLink implements Pollable {
  wifi: EspWifi;
  ssid: string;
  password: string;
  state: number; // 0 down (retry at retryAt), 1 joining, 2 up
  retryAt: number;
  backoff: number;
  ip: string;
  rssi: number;
  now: () => number;
  kick: () => void;
  onAddress: (ip: string, previous: string) => void;
  joins: number;
  /** Told when the link goes down (false) and comes back (true): the client keeps its notifications meanwhile. */
  declare onLink?: (up: boolean) => void;

  constructor(wifi: EspWifi, ssid: string, password: string, now: () => number, kick: () => void, onAddress: (ip: string, previous: string) => void) {
    this.wifi = wifi;
    this.ssid = ssid;
    this.password = password;
    this.state = 0;
    this.retryAt = 0;
    this.backoff = BACKOFF_MIN;
    this.ip = '';
    this.rssi = 0;
    this.now = now;
    this.kick = kick;
    this.onAddress = onAddress;
    this.joins = 0;
    var self = this;
    wifi.on('disconnected', function () {
      self.lost();
    });
    wifi.on('connected', function () {
      self.learnAddress();
    });
  }

  poll(now: number): number {
    if (this.state === 0 && now >= this.retryAt) {
      // join (written here, its one caller: a method is held at load)
      var self = this;
      this.state = 1;
      this.joins++;
      try {
        this.wifi.connect(this.ssid, { password: this.password }, function (err: any) {
          if (err) self.lost();
          else self.learnAddress();
        });
      } catch (e) {
        this.lost();
      }
    }
    // a join that failed at once (or a loss) has set the next attempt
    return this.state === 0 ? this.retryAt : -1;
  }

  lost(): void {
    if (this.state === 0) return;
    if (this.state === 2 && this.onLink) this.onLink(false);
    this.state = 0;
    this.retryAt = this.now() + this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    this.kick();
  }

  learnAddress(): void {
    var self = this;
    this.wifi.getIP(function (err: any, info: { ip: string }) {
      if (err || !info || !info.ip || info.ip === '0.0.0.0') return;
      if (self.state !== 2 && self.onLink) self.onLink(true);
      self.state = 2;
      self.backoff = BACKOFF_MIN;
      var prev = self.ip;
      if (info.ip !== prev) {
        self.ip = info.ip;
        self.onAddress(info.ip, prev);
      }
    });
  }

  info(): WifiInfo {
    return { connected: this.state === 2, ip: this.state === 2 ? this.ip : '', ssid: this.ssid, rssi: this.rssi };
  }
}
