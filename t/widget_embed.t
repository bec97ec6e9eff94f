#!/usr/bin/perl

# The card /widget/AGENCY.html as an agency's webmaster embeds it: the
# <iframe> code docs/api.md gives, pasted into a page, at the widths a
# sidebar has (240 to 480 px) and the height the code says, in headless
# Chromium: the card of the province and of the agencies with the longest
# names of the catalog shows all its text inside the frame (no scrollbar,
# nothing cut on either side), and fills the frame (no blank band under
# its border).  The frame has a title for screen readers.  The badge
# /widget/AGENCY.svg with the guide's <img> code, in a page of another
# origin: drawn at its size, with an alt of words.  Skipped when there is
# no chromium.

use v5.36;
use utf8;

use lib 't/lib';

use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Browser;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'no chromium (apt-get install chromium)'
    unless Onestop::Browser::available();

my $ROOT = $Onestop::Test::ROOT;
my $json = JSON::PP->new->utf8->canonical;

# the embed code of the guide
my $api = decode('UTF-8', Onestop::Test::slurp("$ROOT/docs/api.md"));
my ($code) = $api =~ m{(<iframe\s+src="https://[^"/]+/widget/[^"]+\.html".*?</iframe>)}s;
ok(defined $code, 'docs/api.md gives the <iframe> code of the card')
    or BAIL_OUT('no embed code in docs/api.md');
my %attr = $code =~ /\s([a-z-]+)="([^"]*)"/g;
like($attr{title} // '', qr/\S/, 'the frame has a title for screen readers');
my ($height) = ($attr{height} // '') =~ /^(\d+)$/;
ok($height, "the code gives the frame's height ($attr{height})")
    or BAIL_OUT('no height');

my $t = Onestop::Test->new(today => '2024-11-20');
my ($rc, undef, $err) = $t->cli('demo', '3000');
is($rc, 0, 'the demo data set') or BAIL_OUT("demo: $err");
mkdir $t->dir . '/www';
$t->write_standard_conf(serve => [qw(stats widget)], map_size => '1g',
    zone => '4m', keys => 0, server => 'location /www/ { root %%DIR%%; }');
ok($t->start, 'nginx with the widgets') or BAIL_OUT('nginx did not start');

# the province and the five longest names of the catalog
my $cat = $json->decode(Onestop::Test::slurp("$ROOT/conf/catalog-longan.json"));
my @long = map { $_->{id} }
    (sort { length($b->{name}) <=> length($a->{name}) || $a->{id} cmp $b->{id} }
     @{$cat->{agencies}})[0 .. 4];
my @agencies = ('province', @long);
my @widths = (240, 320, 480);

# one page of the site framing each card at each width with the guide's
# code; its script measures each frame's document once all have loaded
my $frames = '';
for my $ag (@agencies) {
    for my $w (@widths) {
        (my $f = $code) =~ s{src="https://[^"/]+/widget/[^"]+\.html"}
            {src="/widget/$ag.html"};
        $f =~ s/\swidth="\d+"/ width="$w"/;
        $f =~ s/\sloading="lazy"//;
        $f =~ s/<iframe/<iframe data-agency="$ag" data-width="$w"/;
        $frames .= "<div>$f</div>\n";
    }
}
open(my $fh, '>:utf8', $t->dir . '/www/embed.html') or die;
print $fh <<"END";
<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><body>
$frames
<pre id="out"></pre>
<script>
window.addEventListener('load', function () {
    var out = [];
    document.querySelectorAll('iframe').forEach(function (f) {
        var d = f.contentDocument, e = d.documentElement;
        var card = d.querySelector('main');
        var cut = [];
        d.querySelectorAll('h1,dt,dd,p').forEach(function (x) {
            if (x.scrollWidth > x.clientWidth || x.scrollHeight > x.clientHeight)
                cut.push(x.tagName + ' ' + x.textContent);
        });
        out.push({agency: f.dataset.agency, width: +f.dataset.width,
            frame: [e.clientWidth, e.clientHeight],
            content: [e.scrollWidth, e.scrollHeight],
            card_bottom: card ? card.getBoundingClientRect().bottom : -1,
            shown: d.querySelectorAll('[data-field]').length,
            cut: cut});
    });
    document.getElementById('out').textContent = JSON.stringify(out);
});
</script></body></html>
END
close $fh;

my $dom = Onestop::Browser::dump_dom($t->url('/www/embed.html'), width => 600,
    height => 900);
my ($found) = ($dom // '') =~ m{<pre id="out">([^<]*)</pre>};
ok(defined $found, 'the page measured its frames')
    or diag($Onestop::Browser::LAST_ERROR);
$found =~ s/&quot;/"/g if defined $found;
$found =~ s/&amp;/&/g if defined $found;
my $m = eval { JSON::PP->new->decode($found // '') } // [];
is(scalar @$m, @agencies * @widths, 'every frame measured');

for my $f (@$m) {
    my $name = "$f->{agency} at $f->{width}x$height";
    is($f->{shown}, 5, "$name: the five figures (Điều 11.2.c's three among them)");
    my ($cw, $ch) = @{$f->{frame}};
    my ($sw, $sh) = @{$f->{content}};
    ok($sw <= $cw && $sh <= $ch, "$name: the card fits its frame, no scrollbar")
        or diag("content ${sw}x$sh in a frame ${cw}x$ch");
    is_deeply($f->{cut}, [], "$name: no text cut");
    ok($f->{card_bottom} >= $ch - 1 && $f->{card_bottom} <= $ch,
        "$name: the card fills the frame")
        or diag("the card ends at $f->{card_bottom} of $ch");
}

# --- the badge: the guide's <img> code, on a page of another origin ---

my ($img) = $api =~ m{(<img\s+src="https://[^"/]+/widget/[^"]+\.svg"[^>]*>)}s;
ok(defined $img, 'docs/api.md gives the <img> code of the badge')
    or BAIL_OUT('no badge code in docs/api.md');
my ($alt) = ($img // '') =~ /\salt="([^"]*)"/;
# in an <img> the badge's <title> is not read: the alt is all a screen
# reader says of it, so it must be words, not a placeholder
ok(defined $alt && (() = $alt =~ /\w{2,}/g) >= 3,
    'the code has an alt of words for screen readers')
    or diag($alt);

# the page at localhost, the badges at 127.0.0.1: two origins
my $other = 'http://localhost:' . $t->port;
my $imgs = '';
for my $ag (@agencies) {
    (my $i = $img) =~ s{src="https://[^"/]+/widget/[^"]+\.svg"}
        {src="${\ $t->url("/widget/$ag.svg")}" data-agency="$ag"};
    $imgs .= "<p>$i</p>\n";
}
open($fh, '>:utf8', $t->dir . '/www/badge.html') or die;
print $fh <<"END";
<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><body>
$imgs
<pre id="out"></pre>
<script>
window.addEventListener('load', function () {
    var out = {};
    document.querySelectorAll('img').forEach(function (i) {
        out[i.dataset.agency] = [i.complete, i.naturalWidth, i.naturalHeight];
    });
    document.getElementById('out').textContent = JSON.stringify(out);
});
</script></body></html>
END
close $fh;
$dom = Onestop::Browser::dump_dom("$other/www/badge.html");
($found) = ($dom // '') =~ m{<pre id="out">([^<]*)</pre>};
ok(defined $found, 'a page of another origin with the badges')
    or diag($Onestop::Browser::LAST_ERROR);
$found =~ s/&quot;/"/g if defined $found;
my $shown = eval { JSON::PP->new->decode($found // '') } // {};
for my $ag (@agencies) {
    my ($w) = $t->get("/widget/$ag.svg")->{content} =~ /<svg[^>]* width="(\d+)"/;
    is_deeply($shown->{$ag}, [JSON::PP::true, $w, 20],
        "$ag: the badge drawn, ${w}x20, in a page of another origin");
}

$t->check_log;
done_testing;
