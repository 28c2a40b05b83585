<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name>AttributesDock</name>
    <message>
        <source>Attributes</source>
        <translation>Thuộc tính</translation>
    </message>
    <message>
        <source>Filter rows…</source>
        <translation>Lọc dòng…</translation>
    </message>
    <message>
        <source>Selected only</source>
        <translation>Chỉ đối tượng đã chọn</translation>
    </message>
    <message>
        <source>{shown} of {total}</source>
        <translation>{shown} / {total}</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <source>Compare scenarios</source>
        <translation>So sánh kịch bản</translation>
    </message>
    <message>
        <source>Scenario A</source>
        <translation>Kịch bản A</translation>
    </message>
    <message>
        <source>Scenario B</source>
        <translation>Kịch bản B</translation>
    </message>
    <message>
        <source>Evaluating…</source>
        <translation>Đang đánh giá…</translation>
    </message>
    <message>
        <source>KPI</source>
        <translation>Chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>{count} KPIs; colours show each scenario&apos;s status against the target.</source>
        <translation>{count} chỉ tiêu KPI; màu cho biết mức đạt chỉ tiêu của từng kịch bản.</translation>
    </message>
</context>
<context>
    <name>DecisionDialog</name>
    <message>
        <source>&amp;Agreed</source>
        <translation>&amp;Thống nhất</translation>
    </message>
    <message>
        <source>&amp;Rejected</source>
        <translation>&amp;Bác bỏ</translation>
    </message>
    <message>
        <source>To &amp;study</source>
        <translation>&amp;Nghiên cứu thêm</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Quyết định</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Thay đổi</translation>
    </message>
    <message>
        <source>KPI changes</source>
        <translation>Thay đổi chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>{scenario}: the existing facilities</source>
        <translation>{scenario}: các công trình hiện có</translation>
    </message>
    <message>
        <source>no new facilities</source>
        <translation>không có công trình mới</translation>
    </message>
    <message>
        <source>1 new facility: {types}</source>
        <translation>1 công trình mới: {types}</translation>
    </message>
    <message>
        <source>{count} new facilities: {types}</source>
        <translation>{count} công trình mới: {types}</translation>
    </message>
    <message>
        <source>no KPI changed</source>
        <translation>không chỉ tiêu KPI nào thay đổi</translation>
    </message>
    <message>
        <source>Decision log</source>
        <translation>Nhật ký quyết định</translation>
    </message>
    <message>
        <source>A short note: who, why, what next</source>
        <translation>Ghi chú ngắn: ai, vì sao, bước tiếp theo</translation>
    </message>
    <message>
        <source>Remove the selected entry</source>
        <translation>Xóa mục đang chọn</translation>
    </message>
    <message>
        <source>Add to the log</source>
        <translation>Thêm vào nhật ký</translation>
    </message>
    <message>
        <source>The log (saved with the project, listed in the report)</source>
        <translation>Nhật ký (lưu cùng dự án, có trong báo cáo)</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>Workshop keys</source>
        <translation>Phím tắt của buổi hội thảo</translation>
    </message>
    <message>
        <source>Any key or click closes this list.</source>
        <translation>Nhấn phím bất kỳ hoặc nhấp chuột để đóng danh sách này.</translation>
    </message>
</context>
<context>
    <name>IdentifyDialog</name>
    <message>
        <source>Field</source>
        <translation>Trường</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>{layer} — feature {number}</source>
        <translation>{layer} — đối tượng {number}</translation>
    </message>
</context>
<context>
    <name>KpiDock</name>
    <message>
        <source>KPI</source>
        <translation>Chỉ tiêu</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Mục tiêu</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Thay đổi</translation>
    </message>
    <message>
        <source>KPIs</source>
        <translation>Chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>No project</source>
        <translation>Chưa có dự án</translation>
    </message>
    <message>
        <source>Status: ✓ target met, ≈ within 10 % of it, ✗ short of it</source>
        <translation>Đánh giá: ✓ đạt mục tiêu, ≈ trong phạm vi 10 %, ✗ chưa đạt</translation>
    </message>
    <message>
        <source>Change from the baseline scenario</source>
        <translation>Thay đổi so với phương án cơ sở (hiện trạng)</translation>
    </message>
    <message>
        <source>By</source>
        <translation>Theo</translation>
    </message>
    <message>
        <source>Updating KPIs for {scenario}…</source>
        <translation>Đang cập nhật chỉ tiêu KPI cho {scenario}…</translation>
    </message>
    <message>
        <source>{scenario}: {met} of {total} KPI targets met</source>
        <translation>{scenario}: đạt {met} / {total} chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>{kpi}{unit} by {group}</source>
        <translation>{kpi}{unit} theo {group}</translation>
    </message>
</context>
<context>
    <name>KpiPickerDialog</name>
    <message>
        <source>KPI tiles</source>
        <translation>Ô chỉ tiêu KPI</translation>
    </message>
    <message>
        <source>Show these KPIs as tiles (three or four read best from the back):</source>
        <translation>Hiển thị các chỉ tiêu KPI này thành ô (ba hoặc bốn ô dễ đọc nhất từ cuối phòng):</translation>
    </message>
</context>
<context>
    <name>KpiStatus</name>
    <message>
        <source>met</source>
        <translation>đạt</translation>
    </message>
    <message>
        <source>near</source>
        <translation>gần đạt</translation>
    </message>
    <message>
        <source>not met</source>
        <translation>chưa đạt</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>không áp dụng</translation>
    </message>
</context>
<context>
    <name>KpiTile</name>
    <message>
        <source>computing…</source>
        <translation>đang tính…</translation>
    </message>
    <message>
        <source>target {target}</source>
        <translation>mục tiêu {target}</translation>
    </message>
    <message>
        <source>before the plan</source>
        <translation>trước quy hoạch</translation>
    </message>
    <message>
        <source>change {change}</source>
        <translation>thay đổi {change}</translation>
    </message>
</context>
<context>
    <name>LayersDock</name>
    <message>
        <source>Layers</source>
        <translation>Lớp bản đồ</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>Độ mờ đục</translation>
    </message>
    <message>
        <source>{geometry}, {count} features{role}</source>
        <translation>{geometry}, {count} đối tượng{role}</translation>
    </message>
    <message>
        <source>Zoom to layer</source>
        <translation>Phóng tới lớp</translation>
    </message>
    <message>
        <source>Style…</source>
        <translation>Kiểu hiển thị…</translation>
    </message>
    <message>
        <source>Attribute table</source>
        <translation>Bảng thuộc tính</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Đổi tên</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Gỡ bỏ</translation>
    </message>
    <message>
        <source>Remove layer</source>
        <translation>Gỡ bỏ lớp</translation>
    </message>
    <message>
        <source>Layer &apos;{name}&apos; holds the zones and population and cannot be removed.</source>
        <translation>Lớp &apos;{name}&apos; chứa các khu vực và dân số nên không thể gỡ bỏ.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>CityPlanner projects (*.cityplan)</source>
        <translation>Dự án CityPlanner (*.cityplan)</translation>
    </message>
    <message>
        <source>Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.geoparquet *.osm *.csv *.zip);;All files (*)</source>
        <translation>Lớp vector (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.geoparquet *.osm *.csv *.zip);;Mọi tệp (*)</translation>
    </message>
    <message>
        <source>Service areas: {message}</source>
        <translation>Vùng phục vụ: {message}</translation>
    </message>
    <message>
        <source>Scale 1:{scale}</source>
        <translation>Tỷ lệ 1:{scale}</translation>
    </message>
    <message>
        <source>Untitled plan</source>
        <translation>Quy hoạch chưa đặt tên</translation>
    </message>
    <message>
        <source>&amp;New project…</source>
        <translation>Dự án &amp;mới…</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>&amp;Mở…</translation>
    </message>
    <message>
        <source>Open the &amp;sample city</source>
        <translation>Mở thành phố &amp;mẫu</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Lưu</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>Lưu &amp;thành…</translation>
    </message>
    <message>
        <source>&amp;Add layer…</source>
        <translation>&amp;Thêm lớp…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Thoát</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Hoàn tác</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Làm lại</translation>
    </message>
    <message>
        <source>&amp;Delete facility</source>
        <translation>&amp;Xóa công trình</translation>
    </message>
    <message>
        <source>Set priority tier &amp;{tier}</source>
        <translation>Đặt mức ưu tiên &amp;{tier}</translation>
    </message>
    <message>
        <source>&amp;Clear priority</source>
        <translation>&amp;Bỏ mức ưu tiên</translation>
    </message>
    <message>
        <source>Priority by &amp;rule…</source>
        <translation>Vùng ưu tiên theo &amp;quy tắc…</translation>
    </message>
    <message>
        <source>Zoom to &amp;full extent</source>
        <translation>Phóng &amp;toàn bộ</translation>
    </message>
    <message>
        <source>Zoom to &amp;layer</source>
        <translation>Phóng tới &amp;lớp</translation>
    </message>
    <message>
        <source>Zoom to &amp;selection</source>
        <translation>Phóng tới đối tượng &amp;chọn</translation>
    </message>
    <message>
        <source>&amp;Legend</source>
        <translation>&amp;Chú giải</translation>
    </message>
    <message>
        <source>Offline &amp;basemap (MBTiles)…</source>
        <translation>&amp;Bản đồ nền ngoại tuyến (MBTiles)…</translation>
    </message>
    <message>
        <source>&amp;Propose sites…</source>
        <translation>&amp;Đề xuất vị trí…</translation>
    </message>
    <message>
        <source>&amp;Compare scenarios…</source>
        <translation>&amp;So sánh kịch bản…</translation>
    </message>
    <message>
        <source>Presen&amp;tation mode</source>
        <translation>Chế độ &amp;trình chiếu</translation>
    </message>
    <message>
        <source>&amp;Decision log…</source>
        <translation>&amp;Nhật ký quyết định…</translation>
    </message>
    <message>
        <source>&amp;Pan</source>
        <translation>&amp;Di chuyển</translation>
    </message>
    <message>
        <source>&amp;Identify</source>
        <translation>&amp;Xem thông tin</translation>
    </message>
    <message>
        <source>&amp;Select</source>
        <translation>&amp;Chọn</translation>
    </message>
    <message>
        <source>Select by &amp;rectangle</source>
        <translation>Chọn theo hình &amp;chữ nhật</translation>
    </message>
    <message>
        <source>Select by &amp;lasso</source>
        <translation>Chọn theo &amp;vùng vẽ tự do</translation>
    </message>
    <message>
        <source>Place &amp;facility</source>
        <translation>Đặt &amp;công trình</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Tệp</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>Mở &amp;gần đây</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Sửa</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Xem</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Công cụ</translation>
    </message>
    <message>
        <source>&amp;Plan</source>
        <translation>&amp;Quy hoạch</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Thanh công cụ chính</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Ngôn ngữ</translation>
    </message>
    <message>
        <source>The language changes when CityPlanner is restarted.</source>
        <translation>Ngôn ngữ sẽ thay đổi khi khởi động lại CityPlanner.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>&amp;Undo {action}</source>
        <translation>&amp;Hoàn tác {action}</translation>
    </message>
    <message>
        <source>&amp;Redo {action}</source>
        <translation>&amp;Làm lại {action}</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Thay đổi chưa lưu</translation>
    </message>
    <message>
        <source>Save the changes to {title} before closing it?</source>
        <translation>Lưu các thay đổi của {title} trước khi đóng?</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>Mở dự án</translation>
    </message>
    <message>
        <source>Opening {file}…</source>
        <translation>Đang mở {file}…</translation>
    </message>
    <message>
        <source>Opened {file}</source>
        <translation>Đã mở {file}</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>Lưu dự án thành</translation>
    </message>
    <message>
        <source>Save project</source>
        <translation>Lưu dự án</translation>
    </message>
    <message>
        <source>Saved {file}</source>
        <translation>Đã lưu {file}</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <source>Autosave failed: {message}</source>
        <translation>Tự động lưu thất bại: {message}</translation>
    </message>
    <message>
        <source>Restore unsaved work</source>
        <translation>Khôi phục công việc chưa lưu</translation>
    </message>
    <message>
        <source>CityPlanner did not close normally. Restore the autosaved copy of {name} from {time}?</source>
        <translation>CityPlanner đã không đóng bình thường. Khôi phục bản tự động lưu của {name} lúc {time}?</translation>
    </message>
    <message>
        <source>your plan</source>
        <translation>quy hoạch của bạn</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>trước đó</translation>
    </message>
    <message>
        <source>The recovery file {file} could not be read and was moved aside as {moved}.</source>
        <translation>Không đọc được tệp khôi phục {file}; tệp đã được chuyển sang chỗ khác với tên {moved}.</translation>
    </message>
    <message>
        <source>The recovery file {file} could not be read and was removed.</source>
        <translation>Không đọc được tệp khôi phục {file}; tệp đã bị xóa.</translation>
    </message>
    <message>
        <source>Add layers</source>
        <translation>Thêm lớp</translation>
    </message>
    <message>
        <source>Add layer</source>
        <translation>Thêm lớp</translation>
    </message>
    <message>
        <source>{code} (the project&apos;s working CRS, in metres)</source>
        <translation>{code} (hệ tọa độ làm việc của dự án, đơn vị mét)</translation>
    </message>
    <message>
        <source>{code} (longitude/latitude, WGS 84)</source>
        <translation>{code} (kinh độ/vĩ độ, WGS 84)</translation>
    </message>
    <message>
        <source>Layer without a CRS</source>
        <translation>Lớp không có hệ tọa độ</translation>
    </message>
    <message>
        <source>{file} does not say which coordinate reference system (CRS) its coordinates are in.
Choose it, or type another one (e.g. EPSG:3405):</source>
        <translation>{file} không cho biết tọa độ của nó theo hệ tọa độ tham chiếu (CRS) nào.
Hãy chọn hệ tọa độ, hoặc nhập một hệ khác (ví dụ EPSG:3405):</translation>
    </message>
    <message>
        <source>Offline basemap</source>
        <translation>Bản đồ nền ngoại tuyến</translation>
    </message>
    <message>
        <source>Select zones first (Select, rectangle or lasso tool on the zone layer).</source>
        <translation>Hãy chọn khu vực trước (công cụ Chọn, chữ nhật hoặc vùng vẽ tự do trên lớp khu vực).</translation>
    </message>
    <message>
        <source>Priority by rule</source>
        <translation>Vùng ưu tiên theo quy tắc</translation>
    </message>
    <message>
        <source>The project has no zone layer to prioritise.</source>
        <translation>Dự án không có lớp khu vực để xác định vùng ưu tiên.</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Phương án</translation>
    </message>
    <message>
        <source>The baseline holds existing facilities only; placing in new scenario &apos;{name}&apos;.</source>
        <translation>Phương án cơ sở chỉ chứa công trình hiện trạng; đặt vào kịch bản mới &apos;{name}&apos;.</translation>
    </message>
    <message>
        <source>Place {facility}</source>
        <translation>Đặt {facility}</translation>
    </message>
    <message>
        <source>, adds {people} people</source>
        <translation>, thêm {people} người</translation>
    </message>
    <message>
        <source>Selected {name} ({source}{gain}); drag to move, Delete to remove.</source>
        <translation>Đã chọn {name} ({source}{gain}); kéo để di chuyển, nhấn Delete để xóa.</translation>
    </message>
    <message>
        <source>Snap to streets: {error}</source>
        <translation>Bám theo đường phố: {error}</translation>
    </message>
    <message>
        <source>Snap to streets: the project has no road layer.</source>
        <translation>Bám theo đường phố: dự án không có lớp đường giao thông.</translation>
    </message>
    <message>
        <source>Not snapped: the nearest street is {distance} m away (more than {limit} m).</source>
        <translation>Không bám được: đường gần nhất cách {distance} m (quá {limit} m).</translation>
    </message>
    <message>
        <source>No road layer: coverage is drawn as radius discs.</source>
        <translation>Không có lớp đường giao thông: phạm vi phục vụ được vẽ theo vòng tròn bán kính.</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <source>No layers yet</source>
        <translation>Chưa có lớp bản đồ nào</translation>
    </message>
    <message>
        <source>File &gt; New project… (Ctrl+N): start from your zones and their population.</source>
        <translation>Tệp &gt; Dự án mới… (Ctrl+N): bắt đầu từ các vùng và dân số của chúng.</translation>
    </message>
    <message>
        <source>File &gt; Open… (Ctrl+O): open a .cityplan project.</source>
        <translation>Tệp &gt; Mở… (Ctrl+O): mở một dự án .cityplan.</translation>
    </message>
    <message>
        <source>File &gt; Open the sample city: central Hải Châu, Đà Nẵng.</source>
        <translation>Tệp &gt; Mở thành phố mẫu: trung tâm Hải Châu, Đà Nẵng.</translation>
    </message>
    <message>
        <source>Drop layer files (GeoPackage, Shapefile, GeoJSON, KML, CSV…) here to add them.</source>
        <translation>Kéo thả tệp lớp bản đồ (GeoPackage, Shapefile, GeoJSON, KML, CSV…) vào đây để thêm.</translation>
    </message>
    <message>
        <source>Priority zones</source>
        <translation>Vùng ưu tiên</translation>
    </message>
    <message>
        <source>Tier {tier}</source>
        <translation>Mức {tier}</translation>
    </message>
    <message>
        <source>Planned ({scenario})</source>
        <translation>Dự kiến ({scenario})</translation>
    </message>
    <message>
        <source>… {count} more</source>
        <translation>… và {count} nhóm khác</translation>
    </message>
</context>
<context>
    <name>NewProjectWizard</name>
    <message>
        <source>Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;All files (*)</source>
        <translation>Lớp vector (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;Mọi tệp (*)</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>Dự án mới</translation>
    </message>
    <message>
        <source>Start a plan</source>
        <translation>Bắt đầu quy hoạch</translation>
    </message>
    <message>
        <source>Open the sample city ({file}: central Hải Châu, Đà Nẵng)</source>
        <translation>Mở thành phố mẫu ({file}: trung tâm quận Hải Châu, Đà Nẵng)</translation>
    </message>
    <message>
        <source>Create a plan from my own layers</source>
        <translation>Tạo quy hoạch từ các lớp dữ liệu của tôi</translation>
    </message>
    <message>
        <source>Zones and population</source>
        <translation>Khu vực và dân số</translation>
    </message>
    <message>
        <source>The zone layer holds the areas (or points) where people live and how many.</source>
        <translation>Lớp khu vực chứa các vùng (hoặc điểm) dân cư và số dân của từng nơi.</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Duyệt…</translation>
    </message>
    <message>
        <source>Zone file</source>
        <translation>Tệp khu vực</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Lớp</translation>
    </message>
    <message>
        <source>Population field</source>
        <translation>Trường dân số</translation>
    </message>
    <message>
        <source>Plan name</source>
        <translation>Tên quy hoạch</translation>
    </message>
    <message>
        <source>Other layers</source>
        <translation>Các lớp khác</translation>
    </message>
    <message>
        <source>Roads, existing facilities, buildings… (roles are guessed from layer names).</source>
        <translation>Đường giao thông, công trình hiện trạng, nhà… (vai trò được đoán theo tên lớp).</translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation>Thêm tệp…</translation>
    </message>
    <message>
        <source>Each layer of a GeoPackage is added under its own name.</source>
        <translation>Mỗi lớp của GeoPackage được thêm với tên riêng của nó.</translation>
    </message>
</context>
<context>
    <name>PaletteDock</name>
    <message>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Radius (m)</source>
        <translation>Bán kính (m)</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Công suất</translation>
    </message>
    <message>
        <source>Unit cost</source>
        <translation>Đơn giá</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>Công trình</translation>
    </message>
    <message>
        <source>Show coverage</source>
        <translation>Hiện phạm vi phục vụ</translation>
    </message>
    <message>
        <source>Radius discs</source>
        <translation>Vòng tròn bán kính</translation>
    </message>
    <message>
        <source>Network service areas</source>
        <translation>Vùng phục vụ theo mạng đường</translation>
    </message>
    <message>
        <source>Snap to streets</source>
        <translation>Bám theo đường phố</translation>
    </message>
    <message>
        <source>{type}: existing facilities from layer {layer}; double-click to change its colour</source>
        <translation>{type}: công trình hiện trạng từ lớp {layer}; nhấp đúp để đổi màu</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <source>Colour of {facility}</source>
        <translation>Màu của {facility}</translation>
    </message>
</context>
<context>
    <name>PresentationMode</name>
    <message>
        <source>&amp;Place</source>
        <translation>&amp;Đặt</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;Di chuyển</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Xóa</translation>
    </message>
    <message>
        <source>Delete the selected facility</source>
        <translation>Xóa công trình đang chọn</translation>
    </message>
    <message>
        <source>Next facility type</source>
        <translation>Loại công trình tiếp theo</translation>
    </message>
    <message>
        <source>Previous facility type</source>
        <translation>Loại công trình trước đó</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Hoàn tác</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Làm lại</translation>
    </message>
    <message>
        <source>Next scenario</source>
        <translation>Kịch bản tiếp theo</translation>
    </message>
    <message>
        <source>Previous scenario</source>
        <translation>Kịch bản trước đó</translation>
    </message>
    <message>
        <source>&amp;Before / after</source>
        <translation>&amp;Trước / sau</translation>
    </message>
    <message>
        <source>&amp;Split view</source>
        <translation>&amp;Chia đôi</translation>
    </message>
    <message>
        <source>Divider to the left</source>
        <translation>Đường chia sang trái</translation>
    </message>
    <message>
        <source>Divider to the right</source>
        <translation>Đường chia sang phải</translation>
    </message>
    <message>
        <source>&amp;Decision…</source>
        <translation>&amp;Quyết định…</translation>
    </message>
    <message>
        <source>&amp;KPI tiles…</source>
        <translation>Ô &amp;KPI…</translation>
    </message>
    <message>
        <source>Whole city</source>
        <translation>Toàn thành phố</translation>
    </message>
    <message>
        <source>Larger text</source>
        <translation>Chữ to hơn</translation>
    </message>
    <message>
        <source>Smaller text</source>
        <translation>Chữ nhỏ hơn</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Phím tắt</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Thoát</translation>
    </message>
    <message>
        <source>Workshop toolbar</source>
        <translation>Thanh công cụ hội thảo</translation>
    </message>
    <message>
        <source>Facility type to place (T / Shift+T)</source>
        <translation>Loại công trình để đặt (T / Shift+T)</translation>
    </message>
    <message>
        <source>Scenario shown (PgUp / PgDown)</source>
        <translation>Kịch bản đang hiển thị (PgUp / PgDown)</translation>
    </message>
    <message>
        <source>Workshop</source>
        <translation>Hội thảo</translation>
    </message>
    <message>
        <source>Workshop legend</source>
        <translation>Chú giải hội thảo</translation>
    </message>
    <message>
        <source>Computing the KPIs…</source>
        <translation>Đang tính các chỉ tiêu KPI…</translation>
    </message>
    <message>
        <source>Placing: {type}</source>
        <translation>Đang đặt: {type}</translation>
    </message>
    <message>
        <source>There is no plan yet: place a facility to start one.</source>
        <translation>Chưa có quy hoạch: hãy đặt một công trình để bắt đầu.</translation>
    </message>
    <message>
        <source>BEFORE: {baseline}</source>
        <translation>TRƯỚC: {baseline}</translation>
    </message>
    <message>
        <source>Left of the line is the baseline: edit the plan on the right.</source>
        <translation>Bên trái đường chia là phương án cơ sở: hãy sửa quy hoạch ở bên phải.</translation>
    </message>
    <message>
        <source>New (large) and existing (small):</source>
        <translation>Mới (lớn) và hiện có (nhỏ):</translation>
    </message>
    <message>
        <source>Existing:</source>
        <translation>Hiện có:</translation>
    </message>
    <message>
        <source>Within {radius} m of a {type}</source>
        <translation>Trong bán kính {radius} m quanh {type}</translation>
    </message>
    <message>
        <source>Priority zones (hatched)</source>
        <translation>Vùng ưu tiên (gạch chéo)</translation>
    </message>
    <message>
        <source>Decision recorded in the project&apos;s log: save to keep it.</source>
        <translation>Đã ghi quyết định vào nhật ký của dự án: hãy lưu để giữ lại.</translation>
    </message>
    <message>
        <source>The KPIs are still being computed.</source>
        <translation>Các chỉ tiêu KPI vẫn đang được tính.</translation>
    </message>
</context>
<context>
    <name>PriorityRuleDialog</name>
    <message>
        <source>Priority zones by rule</source>
        <translation>Vùng ưu tiên theo quy tắc</translation>
    </message>
    <message>
        <source>Weights (0 = not used; negative favours low values)</source>
        <translation>Trọng số (0 = không dùng; số âm ưu tiên giá trị thấp)</translation>
    </message>
    <message>
        <source>Share of zones in each tier (%)</source>
        <translation>Tỷ lệ khu vực ở mỗi mức (%)</translation>
    </message>
    <message>
        <source>Minimum score for each tier</source>
        <translation>Điểm tối thiểu của mỗi mức</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>Mức ưu tiên</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Quy tắc</translation>
    </message>
    <message>
        <source>Tier {tier}</source>
        <translation>Mức {tier}</translation>
    </message>
    <message>
        <source>Computing the criteria…</source>
        <translation>Đang tính các tiêu chí…</translation>
    </message>
    <message>
        <source>Zones are scored by the weighted sum of the criteria (each scaled 0–1).</source>
        <translation>Mỗi khu vực được chấm điểm bằng tổng có trọng số của các tiêu chí (mỗi tiêu chí quy về 0–1).</translation>
    </message>
    <message>
        <source>Tier 1: {tier1} zones, tier 2: {tier2}, tier 3: {tier3} of {total} (scores {low} to {high}).</source>
        <translation>Mức 1: {tier1} khu vực, mức 2: {tier2}, mức 3: {tier3} trên tổng {total} (điểm từ {low} đến {high}).</translation>
    </message>
</context>
<context>
    <name>ProposeSitesDialog</name>
    <message>
        <source>Regular grid over the zones</source>
        <translation>Lưới đều phủ các khu vực</translation>
    </message>
    <message>
        <source>Street network vertices</source>
        <translation>Các nút của mạng đường</translation>
    </message>
    <message>
        <source>Zone centres</source>
        <translation>Tâm các khu vực</translation>
    </message>
    <message>
        <source>Straight line</source>
        <translation>Đường chim bay</translation>
    </message>
    <message>
        <source>Along the streets</source>
        <translation>Theo đường phố</translation>
    </message>
    <message>
        <source>Propose sites</source>
        <translation>Đề xuất vị trí</translation>
    </message>
    <message>
        <source>Number of sites</source>
        <translation>Số vị trí</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>Ngân sách</translation>
    </message>
    <message>
        <source>Proposal</source>
        <translation>Đề xuất</translation>
    </message>
    <message>
        <source>Maximal covering: choose the sites that cover the most people within the radius; existing facilities of the type (and the current plan&apos;s) stay and count.</source>
        <translation>Bài toán phủ tối đa: chọn các vị trí phục vụ được nhiều người nhất trong bán kính; công trình hiện có cùng loại (và của phương án hiện tại) được giữ lại và tính vào.</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Vị trí</translation>
    </message>
    <message>
        <source>Marginal gain (people)</source>
        <translation>Số người tăng thêm</translation>
    </message>
    <message>
        <source>Position (x, y)</source>
        <translation>Tọa độ (x, y)</translation>
    </message>
    <message>
        <source>Facility type</source>
        <translation>Loại công trình</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>Giới hạn theo</translation>
    </message>
    <message>
        <source>New sites</source>
        <translation>Số vị trí mới</translation>
    </message>
    <message>
        <source>Service radius</source>
        <translation>Bán kính phục vụ</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>Khoảng cách</translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation>Vị trí ứng viên</translation>
    </message>
    <message>
        <source>Candidate spacing</source>
        <translation>Khoảng cách ứng viên</translation>
    </message>
    <message>
        <source>Time limit</source>
        <translation>Giới hạn thời gian</translation>
    </message>
    <message>
        <source>Scenario name</source>
        <translation>Tên kịch bản</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Chạy</translation>
    </message>
    <message>
        <source>Create scenario</source>
        <translation>Tạo kịch bản</translation>
    </message>
    <message>
        <source>Choose a new scenario name (&apos;{name}&apos; is empty or already used).</source>
        <translation>Hãy chọn tên kịch bản mới (&apos;{name}&apos; đang trống hoặc đã được dùng).</translation>
    </message>
    <message>
        <source>Preparing candidate sites</source>
        <translation>Đang chuẩn bị các vị trí ứng viên</translation>
    </message>
    <message>
        <source>Solving…</source>
        <translation>Đang giải…</translation>
    </message>
    <message>
        <source>optimal</source>
        <translation>tối ưu</translation>
    </message>
    <message>
        <source>within {gap} of the best possible</source>
        <translation>cách lời giải tốt nhất trong vòng {gap}</translation>
    </message>
    <message>
        <source>&apos;{scenario}&apos;: {sites} new sites cover {covered} of {total} people ({percent} %, {before} % before); {status}, {seconds} s.</source>
        <translation>&apos;{scenario}&apos;: {sites} vị trí mới phục vụ {covered} / {total} người ({percent} %, trước đó {before} %); {status}, {seconds} giây.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Đang hủy…</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <translation>Đồng ý</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Đóng</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Không lưu</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>&amp;Có</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>&amp;Không</translation>
    </message>
</context>
<context>
    <name>QWizard</name>
    <message>
        <source>&lt; &amp;Back</source>
        <translation>&lt; &amp;Quay lại</translation>
    </message>
    <message>
        <source>&amp;Next &gt;</source>
        <translation>&amp;Tiếp &gt;</translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation>&amp;Hoàn tất</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
</context>
<context>
    <name>ScenariosDock</name>
    <message>
        <source>Scenarios</source>
        <translation>Kịch bản</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Mới</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>Nhân bản</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Đổi tên</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Compare…</source>
        <translation>So sánh…</translation>
    </message>
    <message>
        <source> (existing facilities)</source>
        <translation> (hiện trạng)</translation>
    </message>
    <message>
        <source> — {count} new</source>
        <translation> — {count} mới</translation>
    </message>
    <message>
        <source>A scenario named &apos;{name}&apos; already exists.</source>
        <translation>Kịch bản tên &apos;{name}&apos; đã tồn tại.</translation>
    </message>
    <message>
        <source>New scenario</source>
        <translation>Kịch bản mới</translation>
    </message>
    <message>
        <source>Name of the new plan:</source>
        <translation>Tên phương án mới:</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Phương án</translation>
    </message>
    <message>
        <source>Duplicate scenario</source>
        <translation>Nhân bản kịch bản</translation>
    </message>
    <message>
        <source>Name of the copy of &apos;{scenario}&apos;:</source>
        <translation>Tên bản sao của &apos;{scenario}&apos;:</translation>
    </message>
    <message>
        <source>{scenario} copy</source>
        <translation>{scenario} bản sao</translation>
    </message>
    <message>
        <source>Rename scenario</source>
        <translation>Đổi tên kịch bản</translation>
    </message>
    <message>
        <source>New name for &apos;{scenario}&apos;:</source>
        <translation>Tên mới cho &apos;{scenario}&apos;:</translation>
    </message>
</context>
<context>
    <name>StyleDialog</name>
    <message>
        <source>Single colour</source>
        <translation>Một màu</translation>
    </message>
    <message>
        <source>Categorised</source>
        <translation>Theo nhóm giá trị</translation>
    </message>
    <message>
        <source>Graduated</source>
        <translation>Phân cấp</translation>
    </message>
    <message>
        <source>Quantiles</source>
        <translation>Phân vị</translation>
    </message>
    <message>
        <source>Natural breaks (Jenks)</source>
        <translation>Ngắt tự nhiên (Jenks)</translation>
    </message>
    <message>
        <source>Equal interval</source>
        <translation>Khoảng đều</translation>
    </message>
    <message>
        <source>Style of {layer}</source>
        <translation>Kiểu hiển thị của {layer}</translation>
    </message>
    <message>
        <source>Fill polygons</source>
        <translation>Tô màu vùng</translation>
    </message>
    <message>
        <source>Style</source>
        <translation>Kiểu</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>Màu</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Trường</translation>
    </message>
    <message>
        <source>Palette</source>
        <translation>Bảng màu</translation>
    </message>
    <message>
        <source>Classes by</source>
        <translation>Phân lớp theo</translation>
    </message>
    <message>
        <source>Number of classes</source>
        <translation>Số lớp</translation>
    </message>
    <message>
        <source>Line width (px)</source>
        <translation>Độ rộng nét (px)</translation>
    </message>
    <message>
        <source>Layer colour</source>
        <translation>Màu lớp</translation>
    </message>
</context>
<context>
    <name>Workshop</name>
    <message>
        <source>MET</source>
        <translation>ĐẠT</translation>
    </message>
    <message>
        <source>NEAR</source>
        <translation>GẦN ĐẠT</translation>
    </message>
    <message>
        <source>NOT MET</source>
        <translation>CHƯA ĐẠT</translation>
    </message>
    <message>
        <source>N/A</source>
        <translation>KHÔNG ÁP DỤNG</translation>
    </message>
    <message>
        <source>BEFORE: {scenario}</source>
        <translation>TRƯỚC: {scenario}</translation>
    </message>
</context>
</TS>
