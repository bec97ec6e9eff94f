#!/usr/bin/perl

# The Debian package (issue 19), built from this tree with "make deb" and
# tried on this machine as piuparts would, by hand: installed, the module
# loaded through /etc/nginx/modules-enabled (Debian's nginx.conf passes
# nginx -t with it), a store made with "onestop init" in /var/lib/onestop,
# the catalog loaded, a key added; an nginx serving a lookup, a write and
# a signed QR link on a free port, reloaded, a revoked key refused; the
# shipped production example passing nginx -t; installed again (an
# upgrade: the keys kept); removed (the module no longer loaded); purged
# (the store, which is data, kept and said so; once it is gone, every
# file the package or its scripts made is gone: the lists of files before
# and after are the same).
#
# It changes this machine's /etc/nginx, /etc/onestop, /var/lib/onestop
# and dpkg's database, so it runs only as root with dpkg, debhelper and
# Debian's nginx, and only when the package is not installed and neither
# /etc/onestop nor /var/lib/onestop exists; it puts everything back, even
# when it fails half-way.  It never starts or reloads the system's nginx
# service: its nginx runs from a private directory with its own pid file.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(hmac_sha256 sha256_hex);
use File::Find;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

my $ROOT = $Onestop::Test::ROOT;
my $PKG = 'libnginx-mod-http-onestop';

sub installed ($p) {
    return `dpkg-query -W -f='\${Status}' $p 2>/dev/null` =~ /installed/;
}

plan skip_all => 'needs root (it installs a package)' if $> != 0;
plan skip_all => 'needs dpkg, dpkg-buildpackage and debhelper (dh)'
    unless -x '/usr/bin/dpkg' && -x '/usr/bin/dpkg-buildpackage'
    && -x '/usr/bin/dh';
plan skip_all => 'needs Debian\'s nginx and nginx-dev'
    unless -x '/usr/sbin/nginx' && -f '/usr/share/nginx/src/debian/libnginx-mod.abisubstvars';
plan skip_all => "$PKG is installed on this machine: not touching it"
    if installed($PKG);
plan skip_all => '/etc/onestop or /var/lib/onestop exists: not touching it'
    if -e '/etc/onestop' || -e '/var/lib/onestop';

local $SIG{ALRM} = sub { BAIL_OUT('package.t did not finish in 240 s') };
alarm 240;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new;
my $dir = $t->dir;
my $port = $t->port;
my $nginx_started;

sub run (@cmd) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) } @cmd;
    my $out = `$cmd 2>&1 </dev/null`;
    return ($? >> 8, $out);
}

# whatever happens: our nginx stopped, the package purged, our data gone
END {
    my $status = $?;
    if ($nginx_started && -f "$dir/nginx.pid") {
        system("/usr/sbin/nginx -c $dir/nginx.conf -s stop >/dev/null 2>&1");
    }
    if (installed($PKG) || `dpkg-query -W -f='\${Status}' $PKG 2>/dev/null` =~ /config-files/) {
        system("rm -rf /var/lib/onestop/store");
        system("dpkg -P $PKG >/dev/null 2>&1");
    }
    $? = $status;
}

# every file and link of the places the package and its scripts touch,
# with its kind, mode, owner and content
my @PLACES = qw(/etc/nginx /etc/onestop /etc/default /etc/systemd/system
    /var/lib/onestop /var/backups/onestop /usr/lib/nginx
    /usr/share/nginx/modules-available /lib/systemd/system
    /usr/bin/onestop /usr/sbin/onestop-backup /usr/share/man/man1/onestop.1.gz
    /usr/share/man/man8/onestop-backup.8.gz
    /usr/share/doc/libnginx-mod-http-onestop
    /var/lib/systemd/deb-systemd-helper-enabled
    /var/lib/systemd/deb-systemd-helper-masked);

sub files () {
    my %f;
    my @there = grep { -e } @PLACES;
    find({no_chdir => 1, wanted => sub {
        my @st = lstat $_;
        my $what = -l _ ? 'link ' . readlink($_)
            : -d _ ? 'dir'
            : 'file ' . md5_hex(Onestop::Test::slurp($_));
        $f{$_} = sprintf('%s %o %d:%d', $what, $st[2] & 07777, $st[4], $st[5]);
    }}, @there) if @there;
    $f{$_} = 'dpkg' for glob("/var/lib/dpkg/info/$PKG.*");
    return \%f;
}

my $before = files();
my ($sys_rc, $sys_out) = run('/usr/sbin/nginx', '-t');
diag("the system's nginx -t fails before the package: $sys_out")
    if $sys_rc != 0;

# --- build ---

my ($rc, $out) = run('make', '-C', $ROOT, 'deb');
is($rc, 0, 'make deb') or BAIL_OUT("make deb failed:\n" . substr($out, -3000));
my ($deb) = glob("$ROOT/build/deb/${PKG}_*.deb");
ok($deb && -f $deb, "the package is in build/deb/") or BAIL_OUT('no .deb');

my $abi = Onestop::Test::slurp('/usr/share/nginx/src/debian/libnginx-mod.abisubstvars')
    =~ /^nginx:abi=(\S+)/m ? $1 : 'none';
like(`dpkg-deb -f $deb Depends`, qr/(?:^|, )\Q$abi\E(?:,|$)/m,
    "Depends on the nginx ABI it was built against ($abi)");
my $version = `dpkg-deb -f $deb Version`;
chomp $version;
my ($cli_version) = `$Onestop::Test::CLI --version` =~ /^onestop (\S+)/;
is($version =~ s/-[^-]+$//r, $cli_version,
    'the package\'s version is the CLI\'s (debian/changelog)');

# the notifier's life with the package's: an upgrade stopped it and never
# started it again; now restarted after an upgrade when it runs
# (dh_installsystemd's try-restart), and stopped on remove, when it would
# otherwise run on from a deleted program
my $ctrl = "$dir/control";
($rc, $out) = run('dpkg-deb', '-e', $deb, $ctrl);
is($rc, 0, 'dpkg-deb -e') or diag($out);
like(Onestop::Test::slurp("$ctrl/postinst"),
    qr/deb-systemd-invoke try-restart [^\n]*onestop-notify\.service/,
    'postinst: the notifier restarted after an upgrade, if it runs');
unlike(-e "$ctrl/preinst" ? Onestop::Test::slurp("$ctrl/preinst") : '',
    qr/stop [^\n]*onestop-notify/,
    'preinst: an upgrade does not stop the notifier (it would stay stopped)');
like(Onestop::Test::slurp("$ctrl/prerm"),
    qr/"\$1" = remove \][^\n]*\n\s*deb-systemd-invoke stop onestop-notify\.service/,
    'prerm: the notifier stopped on remove');

# --- install ---

($rc, $out) = run('dpkg', '-i', $deb);
is($rc, 0, 'dpkg -i') or diag($out);

my $module = '/usr/lib/nginx/modules/ngx_http_onestop_module.so';
ok(-f $module, 'the module in Debian\'s module directory');
is(Onestop::Test::slurp('/usr/share/nginx/modules-available/mod-http-onestop.conf'),
    "load_module modules/ngx_http_onestop_module.so;\n",
    'its load_module file in modules-available');
is(readlink('/etc/nginx/modules-enabled/50-mod-http-onestop.conf'),
    '/usr/share/nginx/modules-available/mod-http-onestop.conf',
    'and the link in modules-enabled');
ok(-x '/usr/bin/onestop' && -x '/usr/sbin/onestop-backup',
    'the CLI and the backup script');
like(`/usr/bin/onestop --version`, qr/^onestop \Q$cli_version\E /,
    'the CLI runs');
ok(-f '/usr/share/man/man1/onestop.1.gz'
    && -f '/usr/share/man/man8/onestop-backup.8.gz', 'its man pages');
ok(-f '/usr/share/doc/libnginx-mod-http-onestop/examples/catalog-longan.json'
    && -f '/usr/share/doc/libnginx-mod-http-onestop/examples/production.conf',
    'the examples');
ok(-f '/lib/systemd/system/onestop-backup.timer', 'the timer');
ok(-l '/etc/systemd/system/timers.target.wants/onestop-backup.timer',
    'enabled');
ok(-f '/etc/default/onestop-backup', 'the backup\'s settings');

sub mode_owner ($f) {
    my @st = stat $f;
    return sprintf('%04o %s', $st[2] & 07777, scalar getpwuid($st[4]));
}
is(mode_owner('/etc/onestop'), '0710 root', '/etc/onestop: 0710 root');
is(scalar getgrgid((stat '/etc/onestop')[5]), 'www-data',
    '... group www-data, which may only pass through');
is(mode_owner('/etc/onestop/keys'), '0600 root', 'an empty keys file, 0600');
is(-s '/etc/onestop/keys', 0, 'empty');
is(mode_owner('/etc/onestop/qr.key'), '0600 root', 'a QR key, 0600');
my @qr = grep { /\S/ && !/^#/ } split /\n/,
    Onestop::Test::slurp('/etc/onestop/qr.key');
like(join(',', @qr), qr/^[0-9a-f]{64}\z/, 'one key of 32 bytes');
is(mode_owner('/var/lib/onestop'), '0750 www-data',
    '/var/lib/onestop belongs to www-data');

($rc, $out) = run('/usr/sbin/nginx', '-t');
is($rc, $sys_rc, 'the system\'s nginx -t, with the module loaded')
    or diag($out);

# --- the guide's steps: a store, the catalog, a key ---

my $store = '/var/lib/onestop/store';
($rc, $out) = run('onestop', '--store', $store, 'init');
is($rc, 0, 'onestop init') or diag($out);
like($out, qr/owned by www-data/, 'the store belongs to www-data');
($rc, $out) = run('sh', '-c', "onestop --store $store catalog - < "
    . '/usr/share/doc/libnginx-mod-http-onestop/examples/catalog-longan.json');
is($rc, 0, 'the catalog of Long An') or diag($out);
($rc, $out) = run('onestop', 'key', 'add', 'package-test', '000.00.12.H36');
is($rc, 0, 'onestop key add') or diag($out);
my ($key) = $out =~ /^(onestop_\S+)$/m;
ok($key, 'a key');

# --- the notifier's files, as the guide puts them ---
# onestop-notify.service runs as www-data, and so does "onestop notify"
# run by root (it takes the store owner's identity): both read notify.conf,
# the templates and the password file in /etc/onestop, never the keys

($rc, $out) = run('sh', '-c', 'cp /usr/share/doc/libnginx-mod-http-onestop/'
    . 'examples/notify.conf /etc/onestop/ && cp -r /usr/share/onestop/notify '
    . '/etc/onestop/notify && install -m 0600 -o www-data /dev/null '
    . '/etc/onestop/smtp.password');
is($rc, 0, 'the guide\'s steps for the notifier') or diag($out);
for my $f (qw(notify.conf notify/received.email smtp.password)) {
    ($rc, $out) = run('runuser', '-u', 'www-data', '--', 'cat',
        "/etc/onestop/$f");
    is($rc, 0, "www-data reads /etc/onestop/$f") or diag($out);
}
for my $f (qw(keys qr.key)) {
    ($rc, $out) = run('runuser', '-u', 'www-data', '--', 'cat',
        "/etc/onestop/$f");
    isnt($rc, 0, "www-data cannot read /etc/onestop/$f");
}
system('rm', '-rf', '/etc/onestop/notify.conf', '/etc/onestop/notify',
    '/etc/onestop/smtp.password');

# --- an nginx through modules-enabled, as Debian's nginx.conf does ---

mkdir "$dir/tmp";
sub conf ($http) {
    $t->spew('nginx.conf', <<"END");
include /etc/nginx/modules-enabled/*.conf;
user www-data;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$http
}
END
}
conf(<<"END");
    onestop_store $store;
    onestop_ingest_keys /etc/onestop/keys;
    onestop_qr_key /etc/onestop/qr.key;
    onestop_public_url http://127.0.0.1:$port;
    server {
        listen 127.0.0.1:$port;
        location /api/v1/dossiers/ { onestop_lookup json; }
        location /api/v1/ingest/ { onestop_ingest; }
        location /q/ { onestop_resolve; }
    }
END

# Debian's prefix, from which modules-enabled's "modules/..." resolves
my @nginx = ('/usr/sbin/nginx', '-c', "$dir/nginx.conf");
($rc, $out) = run(@nginx, '-t');
is($rc, 0, 'nginx -t') or diag($out);
($rc, $out) = run(@nginx);
is($rc, 0, 'nginx starts') or diag($out);
$nginx_started = 1;
for (1 .. 100) {
    last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
    select(undef, undef, undef, 0.05);
}

my $record = $json->encode({code => '000.00.12.H36-261205-0001',
    version => 1, agency => '000.00.12.H36', procedure => '1.000001',
    channel => 'online', applicant => {name => 'Nguyễn Thị Hoa'},
    received_at => '2026-12-05T08:00:00+07:00', due_at => '2026-12-10'});
my $proc = $json->decode(Onestop::Test::slurp(
    '/usr/share/doc/libnginx-mod-http-onestop/examples/catalog-longan.json'));
my ($p) = grep { $_->{id} } @{ $proc->{procedures} };
$record =~ s/1\.000001/$p->{id}/;

my $r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => {Authorization => "Bearer $key"}, body => $record);
is($r->{status}, 200, 'a write with the key') or diag($r->{content});
$r = $t->get('/api/v1/dossiers/000.00.12.H36-261205-0001');
is($r->{status}, 200, 'the packaged module serves the lookup');
is(eval { $json->decode($r->{content})->{agency}{name} }, 'Sở Tư pháp',
    'from the catalog of Long An');
my $mac = hmac_sha256('000.00.12.H36-261205-0001', pack('H*', $qr[0]));
my $token = '000.00.12.H36-261205-0001.'
    . encode_base64url(substr($mac, 0, 12));
is($t->get("/q/$token")->{status}, 200, 'a link signed with the QR key opens');

($rc, $out) = run('onestop', 'key', 'revoke', 'package-test');
is($rc, 0, 'onestop key revoke') or diag($out);
($rc, $out) = run(@nginx, '-s', 'reload');
is($rc, 0, 'nginx -s reload') or diag($out);
my $status;
for (1 .. 100) {
    $status = $t->http('POST', '/api/v1/ingest/dossiers',
        headers => {Authorization => "Bearer $key"}, body => $record)->{status};
    last if $status == 401;
    select(undef, undef, undef, 0.05);
}
is($status, 401, 'after the reload the revoked key is refused');
is($t->get('/api/v1/dossiers/000.00.12.H36-261205-0001')->{status}, 200,
    'and lookups go on');

run(@nginx, '-s', 'quit');
for (1 .. 100) {
    last unless -f "$dir/nginx.pid";
    select(undef, undef, undef, 0.05);
}
$nginx_started = 0;
my @bad = grep { /\[(alert|crit|emerg)\]/ } split /\n/, $t->error_log;
is(scalar(@bad), 0, 'no alert, crit or emerg in its error log')
    or diag(join("\n", @bad));

# --- the shipped production example passes nginx -t (TLS placeholder) ---

system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
    . "-keyout $dir/snakeoil.key -out $dir/snakeoil.pem >/dev/null 2>&1");
my $prod = Onestop::Test::slurp(
    '/usr/share/doc/libnginx-mod-http-onestop/examples/production.conf');
like($prod, qr{ssl_certificate\s+/etc/ssl/certs/ssl-cert-snakeoil\.pem;},
    'the example names Debian\'s snakeoil certificate');
$prod =~ s{/etc/ssl/certs/ssl-cert-snakeoil\.pem}{$dir/snakeoil.pem}g;
$prod =~ s{/etc/ssl/private/ssl-cert-snakeoil\.key}{$dir/snakeoil.key}g;
$prod =~ s{/var/log/nginx/}{$dir/}g;
$prod =~ s{listen 443}{listen 127.0.0.1:$port}g;
$t->spew('production.conf', $prod);
conf("    include $dir/production.conf;\n");
($rc, $out) = run(@nginx, '-t');
is($rc, 0, 'nginx -t of the production example') or diag($out);

# --- upgrade (installed again), remove, purge ---

my $keys_md5 = md5_hex(Onestop::Test::slurp('/etc/onestop/keys'));
my $qr_md5 = md5_hex(Onestop::Test::slurp('/etc/onestop/qr.key'));
# as 1.0.0-1's first install left it, which the notifier could not enter
chown 0, 0, '/etc/onestop';
chmod 0700, '/etc/onestop';
($rc, $out) = run('dpkg', '-i', $deb);
is($rc, 0, 'dpkg -i again (an upgrade)') or diag($out);
is(mode_owner('/etc/onestop') . ' '
    . getgrgid((stat '/etc/onestop')[5]), '0710 root www-data',
    '1.0.0-1\'s /etc/onestop (0700 root:root) set right');
is(md5_hex(Onestop::Test::slurp('/etc/onestop/keys')), $keys_md5,
    'the keys file is kept');
is(md5_hex(Onestop::Test::slurp('/etc/onestop/qr.key')), $qr_md5,
    'the QR key is kept');
ok(-l '/etc/nginx/modules-enabled/50-mod-http-onestop.conf',
    'the module is still enabled');

($rc, $out) = run('dpkg', '-r', $PKG);
is($rc, 0, 'dpkg -r') or diag($out);
ok(!-e $module && !-e '/usr/bin/onestop', 'the module and the CLI are gone');
ok(!-e '/etc/nginx/modules-enabled/50-mod-http-onestop.conf',
    'the module is no longer loaded');
ok(-f '/etc/onestop/qr.key', 'the configuration stays until a purge');
($rc, $out) = run('/usr/sbin/nginx', '-t');
is($rc, $sys_rc, 'the system\'s nginx -t without it') or diag($out);

($rc, $out) = run('dpkg', '-P', $PKG);
is($rc, 0, 'dpkg -P') or diag($out);
like($out, qr{/var/lib/onestop is kept: it holds data},
    'the store is data: kept, and said so');
ok(-f "$store/data.mdb", 'the store is there');
ok(!-e '/etc/onestop', '/etc/onestop is gone');
system('rm', '-rf', '/var/lib/onestop');

is_deeply(files(), $before, 'nothing is left behind: the same files as before');

alarm 0;

done_testing;
